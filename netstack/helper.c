/* sbx netstack: the network helper; see helper.h.  */
#define _GNU_SOURCE
#include "helper.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/log.h"
#include "../core/base/sync.h"
#include "../core/base/util.h"
#include "dns.h"
#include "frame.h"
#include "lockdown.h"
#include "portfwd.h"
#include "record.h"
#include "tap.h"

#define MAX_FRAME 65536 + 14
#define MAX_POLL 4096
/* At most this many --net-log lines a second; the rest are counted.  */
#define LOG_PER_SECOND 10
#define DRAIN_NS (10ll * 1000 * 1000 * 1000)
/* Host clients of published UDP ports remembered, and for how long.  */
#define UDP_PEERS 256
#define UDP_PEER_NS (300ll * 1000 * 1000 * 1000)

struct timer
{
  SlirpTimerId id;
  void *cb_opaque;
  int64_t expire_ms; /* -1: off */
  struct timer *next;
};

/* Where fill_poll puts the helper's own fds in the poll set: one entry
   per published port from POLL_LISTENERS on.  */
enum
{
  POLL_SIGNAL,
  POLL_TAP,
  POLL_INIT,
  POLL_LISTENERS,
};

struct helper
{
  const struct sbx_net_helper_cfg *cfg;
  Slirp *slirp;
  struct timer *timers;
  struct pollfd fds[MAX_POLL];
  size_t nfds;
  size_t pf_base, pf_n; /* the spliced connections' place in fds */
  struct sbx_portfwd pf;
  int sigfd;      /* SIGTERM and SIGINT: the sandbox ended */
  bool resolved;  /* an ARP or NDP frame from the tap went to libslirp last round */
  bool draining;  /* see start_draining */
  bool init_gone; /* the port socket hung up: init has ended; poll it no more */
  int64_t drain_deadline;
  uint64_t refused, refused_unlogged;
  /* See host_guard_init.  */
  struct sbx_egress guard;
  bool guarded;
  struct udp_peer
  {
    uint8_t addr[16];
    uint16_t port;
    int64_t seen;
  } peers[UDP_PEERS];
  size_t next_peer;
  int64_t log_second;
  int log_count;
  struct sbx_net_record rec;      /* --net-record */
  struct sbx_egress_names *names; /* allow:host rules' addresses; NULL without such rules */
};

static void note_published_udp (struct helper *h, const uint8_t *f, size_t len);

/* A frame for the sandbox: a DNS answer from its resolver is read once,
   for the recorder and the allow:host rules, before the sandbox has it
   (so its first SYN to an answered address finds it learnt).  */
static void
read_answer (struct helper *h, const uint8_t *f, size_t len)
{
  static struct sbx_dns_answer a; /* 2 KiB: off the stack (one thread) */

  if ((h->names || h->rec.fd >= 0) && sbx_dns_resolver_answer (f, len, &a))
    {
      sbx_egress_names_learn (h->names, &h->cfg->net->egress, &a);
      sbx_net_record_answer (&h->rec, &a);
    }
}

/* implements SlirpCb.send_packet: a frame for the sandbox.  */
static ssize_t
cb_send_packet (const void *buf, size_t len, void *opaque)
{
  struct helper *h = opaque;
  ssize_t r;
  note_published_udp (h, buf, len);
  read_answer (h, buf, len);
  r = write (h->cfg->tap, buf, len);
  /* A full tap queue drops the frame; TCP resends at a slower pace.  */
  return r < 0 && errno == EAGAIN ? (ssize_t)len : r;
}

/* implements SlirpCb.guest_error */
static void
cb_guest_error (const char *msg, void *opaque)
{
  sbx_log_debug ("network: the sandbox sent something libslirp refused: %s", msg);
}

/* implements SlirpCb.clock_get_ns */
static int64_t
cb_clock_get_ns (void *opaque)
{
  return sbx_now_ns ();
}

/* implements SlirpCb.timer_new_opaque */
static void *
cb_timer_new_opaque (SlirpTimerId id, void *cb_opaque, void *opaque)
{
  struct helper *h = opaque;
  struct timer *t = xmalloc0 (sizeof *t);
  t->id = id;
  t->cb_opaque = cb_opaque;
  t->expire_ms = -1;
  t->next = h->timers;
  h->timers = t;
  return t;
}

/* implements SlirpCb.timer_free */
static void
cb_timer_free (void *timer, void *opaque)
{
  struct helper *h = opaque;
  for (struct timer **p = &h->timers; *p; p = &(*p)->next)
    if (*p == timer)
      {
        *p = ((struct timer *)timer)->next;
        free (timer);
        return;
      }
}

/* implements SlirpCb.timer_mod: expire_time is in ms of clock_get_ns.  */
static void
cb_timer_mod (void *timer, int64_t expire_time, void *opaque)
{
  ((struct timer *)timer)->expire_ms = expire_time;
}

/* implements SlirpCb.register_poll_fd, unregister_poll_fd and notify:
   every slirp fd is re-added by slirp_pollfds_fill on each round.  */
static void
cb_nop_fd (int fd, void *opaque)
{
}

static void
cb_notify (void *opaque)
{
}

/* implements SlirpAddPollCb */
static int
add_poll (int fd, int events, void *opaque)
{
  struct helper *h = opaque;
  short ev = 0;
  if (h->nfds >= MAX_POLL)
    return -1;
  if (events & SLIRP_POLL_IN)
    ev |= POLLIN;
  if (events & SLIRP_POLL_OUT)
    ev |= POLLOUT;
  if (events & SLIRP_POLL_PRI)
    ev |= POLLPRI;
  h->fds[h->nfds] = (struct pollfd){ .fd = fd, .events = ev };
  return h->nfds++;
}

/* implements SlirpGetREventsCb */
static int
get_revents (int idx, void *opaque)
{
  struct helper *h = opaque;
  short r;
  int ev = 0;
  if (idx < 0 || (size_t)idx >= h->nfds)
    return 0;
  r = h->fds[idx].revents;
  if (r & POLLIN)
    ev |= SLIRP_POLL_IN;
  if (r & POLLOUT)
    ev |= SLIRP_POLL_OUT;
  if (r & POLLPRI)
    ev |= SLIRP_POLL_PRI;
  if (r & POLLERR)
    ev |= SLIRP_POLL_ERR;
  if (r & POLLHUP)
    ev |= SLIRP_POLL_HUP;
  return ev;
}

static void
log_refusal (struct helper *h, const struct sbx_egress_event *ev)
{
  int64_t second = sbx_now_ns () / 1000000000;
  char what[96];

  h->refused++;
  /* The kernel's own multicast reports (IGMP, MLD) are refused by a
     no-lan policy on every start: not worth a line.  */
  if (!h->cfg->net->log || (ev->family == AF_INET && (ev->dst[0] & 0xf0) == 0xe0)
      || (ev->family == AF_INET6 && ev->dst[0] == 0xff))
    return;
  if (second != h->log_second)
    {
      if (h->refused_unlogged)
        sbx_log_event ("net: %llu more refused in the last second",
                       (unsigned long long)h->refused_unlogged);
      h->log_second = second;
      h->log_count = 0;
      h->refused_unlogged = 0;
    }
  if (h->log_count++ >= LOG_PER_SECOND)
    {
      h->refused_unlogged++;
      return;
    }
  sbx_egress_event_format (ev, what, sizeof what);
  sbx_log_event ("net: refused %s (egress rule %s)", what,
                 ev->rule && ev->rule->text ? ev->rule->text : "?");
}

/* libslirp gives a published UDP port's datagrams the host's alias
   (10.0.2.2) as source, and its "no host loopback" setting then drops the
   replies.  So with UDP ports published and no --allow-host-loopback,
   libslirp allows the host and the helper refuses it instead, frame by
   frame: everything to slirp's addresses but DNS, except the answers of a
   published UDP port to the host clients that wrote to it.  */
static void
host_guard_init (struct helper *h)
{
  static const char *const rules[]
      = { "allow:10.0.2.3:53", "allow:[fd00::3]:53", "deny:10.0.2.0/24", "deny:fd00::/64", NULL };
  const struct sbx_netspec *net = h->cfg->net;
  bool udp = false;
  for (size_t i = 0; i < net->n_ports; i++)
    udp |= net->ports[i].proto == IPPROTO_UDP;
  if (!udp || net->allow_host_loopback)
    return;
  for (const char *const *r = rules; *r; r++)
    {
      sbx_error_t err = NULL;
      if (sbx_egress_add (&h->guard, *r, &err) < 0)
        sbx_error_release (&err);
    }
  h->guarded = true;
}

static bool
published_udp (const struct helper *h, uint16_t port)
{
  for (size_t i = 0; i < h->cfg->net->n_ports; i++)
    if (h->cfg->net->ports[i].proto == IPPROTO_UDP && h->cfg->net->ports[i].sandbox_port == port)
      return true;
  return false;
}

/* A datagram libslirp delivers to a published UDP port: remember who sent
   it (the host's alias and the client's port), so that the answer may go
   back there and only there.  */
static void
note_published_udp (struct helper *h, const uint8_t *f, size_t len)
{
  struct sbx_frame p;
  struct udp_peer *slot;

  if (!h->guarded || !sbx_frame_udp (f, len, &p) || !published_udp (h, p.dport))
    return;
  for (size_t i = 0; i < UDP_PEERS; i++)
    if (h->peers[i].port == p.sport && memcmp (h->peers[i].addr, p.src, 16) == 0)
      {
        h->peers[i].seen = sbx_now_ns ();
        return;
      }
  slot = &h->peers[h->next_peer++ % UDP_PEERS];
  memcpy (slot->addr, p.src, 16);
  slot->port = p.sport;
  slot->seen = sbx_now_ns ();
}

/* An answer from a published UDP port to a host client that wrote to it
   within the last few minutes; any other UDP to the host is refused.  */
static bool
answers_published_udp (const struct helper *h, const uint8_t *f, size_t len)
{
  struct sbx_frame p;
  int64_t now = sbx_now_ns ();

  if (!sbx_frame_udp (f, len, &p) || !published_udp (h, p.sport))
    return false;
  for (size_t i = 0; i < UDP_PEERS; i++)
    if (h->peers[i].port == p.dport && memcmp (h->peers[i].addr, p.dst, 16) == 0
        && now - h->peers[i].seen < UDP_PEER_NS)
      return true;
  return false;
}

/* Whether a frame from the sandbox can teach libslirp the sandbox's
   hardware address: any ARP frame (libslirp learns the sender of a
   request too), or an NDP neighbour solicitation or advertisement
   (ICMPv6 135, 136 right after the IPv6 header: NDP has no extension
   headers).  */
static bool
resolves_address (const uint8_t *f, size_t n)
{
  if (n >= 14 && f[12] == 0x08 && f[13] == 0x06)
    return true;
  return n >= 55 && f[12] == 0x86 && f[13] == 0xdd && f[20] == 58 && (f[54] == 135 || f[54] == 136);
}

/* Frames from the sandbox: through the egress policy into libslirp.  */
static void
read_tap (struct helper *h)
{
  static uint8_t frame[MAX_FRAME], reply[1600];
  for (int i = 0; i < 256; i++)
    {
      ssize_t n = read (h->cfg->tap, frame, sizeof frame);
      struct sbx_egress_event ev = { 0 };
      size_t reply_len = 0;
      bool refused = false, logged = false;

      if (n <= 0)
        return;
      /* The host guard first (not logged: it is sbx's own rule), then the
         user's policy; a refusal answers the sandbox with the reply frame
         the policy built, or lets it time out.  */
      if (h->guarded && !answers_published_udp (h, frame, n))
        refused = sbx_egress_check (&h->guard, frame, n, reply, sizeof reply, &reply_len, &ev)
                  == SBX_EGRESS_REJECT;
      if (!refused && h->cfg->net->egress.n > 0)
        refused = logged = sbx_egress_check_names (&h->cfg->net->egress, h->names, frame, n, reply,
                                                   sizeof reply, &reply_len, &ev)
                           == SBX_EGRESS_REJECT;
      if (!refused)
        {
          sbx_net_record_sent (&h->rec, frame, n);
          h->resolved = h->resolved || resolves_address (frame, n);
          slirp_input (h->slirp, frame, n);
          continue;
        }
      if (reply_len > 0 && write (h->cfg->tap, reply, reply_len) < 0)
        {
          /* The sandbox will time out instead; nothing else to do.  */
        }
      if (logged && ev.family)
        log_refusal (h, &ev);
    }
}

static void
accept_published (struct helper *h, size_t port)
{
  const struct sbx_publish *p = &h->cfg->net->ports[port];
  for (int i = 0; i < 64; i++)
    {
      int c = accept4 (h->cfg->listeners[port], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c < 0)
        return;
      sbx_portfwd_accepted (&h->pf, c, p->sandbox_port, p->family);
    }
}

static int
fire_timers (struct helper *h, uint32_t *timeout)
{
  int64_t now = sbx_now_ns () / 1000000;
  for (struct timer *t = h->timers; t; t = t->next)
    {
      if (t->expire_ms < 0)
        continue;
      if (t->expire_ms <= now)
        {
          t->expire_ms = -1;
          slirp_handle_timer (h->slirp, t->id, t->cb_opaque);
          return 1; /* the list may have changed: look again next round */
        }
      if ((uint64_t)(t->expire_ms - now) < *timeout)
        *timeout = t->expire_ms - now;
    }
  return 0;
}

/* The virtual network: libslirp's usual 10.0.2.0/24 and fd00::/64, at
   the addresses netstack.h names.  */
static void
slirp_config (struct helper *h, SlirpConfig *c)
{
  const struct sbx_netspec *net = h->cfg->net;

  c->version = 4;
  c->in_enabled = true;
  inet_pton (AF_INET, "10.0.2.0", &c->vnetwork);
  inet_pton (AF_INET, "255.255.255.0", &c->vnetmask);
  inet_pton (AF_INET, SBX_NET_GATEWAY4, &c->vhost);
  c->in6_enabled = !net->no_ipv6;
  inet_pton (AF_INET6, "fd00::", &c->vprefix_addr6);
  c->vprefix_len = 64;
  inet_pton (AF_INET6, SBX_NET_GATEWAY6, &c->vhost6);
  inet_pton (AF_INET, "10.0.2.15", &c->vdhcp_start);
  inet_pton (AF_INET, SBX_NET_DNS4, &c->vnameserver);
  inet_pton (AF_INET6, SBX_NET_DNS6, &c->vnameserver6);
  c->if_mtu = net->mtu;
  c->if_mru = net->mtu;
  /* libslirp maps every address of its virtual network to the host's
     loopback; refuse that unless asked.  */
  host_guard_init (h);
  c->disable_host_loopback = !net->allow_host_loopback && !h->guarded;
  c->enable_emu = false;
  c->disable_dhcp = true; /* the sandbox's address is set statically */
}

/* A published UDP port: libslirp listens on the host and forwards to the
   sandbox (published TCP ports are spliced by portfwd.c instead).  */
static int
publish_udp (struct helper *h, const struct sbx_publish *p, sbx_error_t *err)
{
  union
  {
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
  } host = { 0 }, guest = { 0 };
  socklen_t len;
  int flags = SLIRP_HOSTFWD_UDP;

  if (p->family == AF_INET6)
    {
      if (h->cfg->net->no_ipv6)
        return sbx_error_make (err, 0,
                               "-p %s: an IPv6 host address needs IPv6 in the "
                               "sandbox (drop --no-ipv6)",
                               p->text);
      host.v6.sin6_family = guest.v6.sin6_family = AF_INET6;
      memcpy (&host.v6.sin6_addr, p->host_addr, 16);
      host.v6.sin6_port = htons (p->host_port);
      inet_pton (AF_INET6, SBX_NET_GUEST6, &guest.v6.sin6_addr);
      guest.v6.sin6_port = htons (p->sandbox_port);
      len = sizeof host.v6;
      flags |= SLIRP_HOSTFWD_V6ONLY;
    }
  else
    {
      host.v4.sin_family = guest.v4.sin_family = AF_INET;
      memcpy (&host.v4.sin_addr, p->host_addr, 4);
      host.v4.sin_port = htons (p->host_port);
      inet_pton (AF_INET, SBX_NET_GUEST4, &guest.v4.sin_addr);
      guest.v4.sin_port = htons (p->sandbox_port);
      len = sizeof host.v4;
    }
  if (slirp_add_hostxfwd (h->slirp, (struct sockaddr *)&host, len, (struct sockaddr *)&guest, len,
                          flags)
      < 0)
    {
      char where[64];
      sbx_publish_host_string (p, where, sizeof where);
      return sbx_error_make (err, 0,
                             "-p %s: cannot listen on %s (UDP); another program may use "
                             "that port",
                             p->text, where);
    }
  return 0;
}

static int
setup_slirp (struct helper *h, sbx_error_t *err)
{
  static const SlirpCb cb = {
    .send_packet = cb_send_packet,
    .guest_error = cb_guest_error,
    .clock_get_ns = cb_clock_get_ns,
    .timer_free = cb_timer_free,
    .timer_mod = cb_timer_mod,
    .register_poll_fd = cb_nop_fd,
    .unregister_poll_fd = cb_nop_fd,
    .notify = cb_notify,
    .timer_new_opaque = cb_timer_new_opaque,
  };
  const struct sbx_netspec *net = h->cfg->net;
  SlirpConfig c = { 0 };

  slirp_config (h, &c);
  h->slirp = slirp_new (&c, &cb, h);
  if (h->slirp == NULL)
    return sbx_error_make (err, 0, "libslirp could not start");
  for (size_t i = 0; i < net->n_ports; i++)
    if (net->ports[i].proto == IPPROTO_UDP && publish_udp (h, &net->ports[i], err) < 0)
      return -1;
  return 0;
}

/* Tell sbx how the start went, as the sandbox's child does: an error as
   (errno, exit code, message), or that the helper runs.  write(2) only:
   the lock-down's filter allows no sendmsg.  */
static void
report (int fd, const sbx_error_t err)
{
  if (sbx_sync_write (fd, err ? SBX_SYNC_ERROR : SBX_SYNC_NET_READY, err) < 0)
    _exit (SBX_EXIT_FAILURE);
  close (fd);
}

/* The helper's own process settings, before libslirp starts.  */
static int
helper_init (struct helper *h, sbx_error_t *err)
{
  const struct sbx_net_helper_cfg *cfg = h->cfg;
  sigset_t mask;

  prctl (PR_SET_NAME, "sbx-net", 0, 0, 0);
  /* A peer closing while the other side still sends is an error on that
     connection, not the end of the helper (splice cannot take
     MSG_NOSIGNAL).  */
  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&mask);
  sigaddset (&mask, SIGTERM);
  sigaddset (&mask, SIGINT);
  sigprocmask (SIG_SETMASK, &mask, NULL);
  /* Die with sbx; and hear its SIGTERM, without which the helper would
     run on after the sandbox.  Init's answers are read until none is
     left (sbx_portfwd_reply).  */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
    return sbx_error_make (err, errno, "network helper: prctl(PR_SET_PDEATHSIG)");
  if ((h->sigfd = signalfd (-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
    return sbx_error_make (err, errno, "network helper: signalfd");
  if (fcntl (cfg->portsock, F_SETFL, fcntl (cfg->portsock, F_GETFL) | O_NONBLOCK) < 0)
    return sbx_error_make (err, errno, "network helper: make the socket to init non-blocking");
  return 0;
}

/* The poll set of one round: the fds at the POLL_* places first (dispatch
   reads them there), then the spliced connections, then libslirp's
   sockets.  The timers that are due fire, and `timeout` is lowered to the
   next one.  */
static void
fill_poll (struct helper *h, uint32_t *timeout)
{
  const struct sbx_net_helper_cfg *cfg = h->cfg;

  h->nfds = 0;
  add_poll (h->sigfd, SLIRP_POLL_IN, h);
  add_poll (cfg->tap, SLIRP_POLL_IN, h);
  /* poll ignores a negative fd: a hung-up socket would wake it at once,
     every round, until sbx's SIGTERM comes.  */
  add_poll (h->init_gone ? -1 : cfg->portsock, SLIRP_POLL_IN, h);
  for (size_t i = 0; i < cfg->net->n_ports; i++)
    add_poll (cfg->listeners[i], cfg->listeners[i] >= 0 ? SLIRP_POLL_IN : 0, h);
  h->pf_base = h->nfds;
  h->pf_n = sbx_portfwd_fill (&h->pf, h->fds + h->pf_base, MAX_POLL / 2 - h->pf_base);
  h->nfds += h->pf_n;
  slirp_pollfds_fill (h->slirp, timeout, add_poll, h);
  while (fire_timers (h, timeout))
    ;
}

/* The sandbox ended: accept nothing more, but let what its programs sent
   through published ports reach the host readers (bounded: 10 s without
   progress).  */
static void
start_draining (struct helper *h)
{
  const struct sbx_net_helper_cfg *cfg = h->cfg;

  h->draining = true;
  h->drain_deadline = sbx_now_ns () + DRAIN_NS;
  for (size_t i = 0; i < cfg->net->n_ports; i++)
    if (cfg->listeners[i] >= 0)
      {
        close (cfg->listeners[i]);
        ((int *)cfg->listeners)[i] = -1;
      }
}

/* Serve what poll found ready, once libslirp has served its own sockets;
   false when the helper is done.  */
static bool
dispatch (struct helper *h)
{
  const struct sbx_net_helper_cfg *cfg = h->cfg;

  if (h->fds[POLL_SIGNAL].revents)
    {
      struct signalfd_siginfo si;
      if (read (h->sigfd, &si, sizeof si) == sizeof si && !h->draining)
        start_draining (h);
    }
  if (h->draining)
    sbx_portfwd_drop_connecting (&h->pf);
  if (h->draining && (h->pf.n_conns == 0 || sbx_now_ns () > h->drain_deadline))
    return false;
  if (!h->draining && (h->fds[POLL_TAP].revents & (POLLERR | POLLHUP | POLLNVAL)))
    return false; /* the sandbox's network namespace is gone */
  if (h->fds[POLL_TAP].revents & POLLIN)
    read_tap (h);
  if (h->fds[POLL_INIT].revents & POLLIN)
    sbx_portfwd_reply (&h->pf);
  if (h->fds[POLL_INIT].revents & (POLLHUP | POLLERR))
    h->init_gone = true;
  for (size_t i = 0; i < cfg->net->n_ports; i++)
    if (h->fds[POLL_LISTENERS + i].revents & POLLIN)
      accept_published (h, i);
  sbx_portfwd_pump (&h->pf, h->fds + h->pf_base, h->pf_n);
  return true;
}

void
sbx_net_helper_main (const struct sbx_net_helper_cfg *cfg)
{
  struct helper h = { .cfg = cfg, .pf = { .sock = cfg->portsock }, .sigfd = -1 };
  sbx_error_t err = NULL;

  sbx_net_record_init (&h.rec, cfg->record);
  if (sbx_egress_has_names (&cfg->net->egress))
    h.names = sbx_egress_names_new (NULL);

  if (helper_init (&h, &err) < 0 || setup_slirp (&h, &err) < 0 || sbx_net_lockdown (&err) < 0)
    {
      report (cfg->status, err);
      _exit (SBX_EXIT_FAILURE);
    }
  report (cfg->status, NULL);

  for (;;)
    {
      uint32_t timeout = UINT32_MAX;
      int r;

      fill_poll (&h, &timeout);
      /* An ARP or NDP frame from the sandbox was just given to libslirp:
         it may be the answer a queued packet for the sandbox waits for.
         libslirp sends its queue only from slirp_pollfds_poll, and drops a
         packet whose address it could not resolve within a second, while
         an idle libslirp asks to sleep up to a second: so go round once
         more at once.  (Without this, the first datagram to a published
         UDP port of an idle sandbox was lost more often than not.  Only
         for those frames: a round after every read of the tap cost bulk
         traffic from the sandbox a sixth of its throughput.)  */
      if (h.resolved)
        timeout = 0;
      h.resolved = false;
      r = poll (h.fds, h.nfds, timeout == UINT32_MAX ? -1 : (int)timeout);
      if (r < 0 && errno != EINTR)
        _exit (SBX_EXIT_FAILURE);
      slirp_pollfds_poll (h.slirp, r < 0, get_revents, &h);
      if (!dispatch (&h))
        break;
    }
  if (cfg->net->log && h.refused)
    sbx_log_event ("net: the egress policy refused %llu packets in all",
                   (unsigned long long)h.refused);
  _exit (0);
}
