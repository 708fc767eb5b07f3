// Package watchdog tells whoever supervises the player that it is alive:
// READY=1 once the first frame is drawn, WATCHDOG=1 from the drawing loop
// while frames keep coming, and STOPPING=1 at a clean stop. A player whose
// loop hangs stops pinging and is killed and restarted by its supervisor.
//
// Two supervisors are served, chosen from the environment:
//
//   - systemd, through its notify socket (NOTIFY_SOCKET), with the
//     sd_notify implementation of github.com/coreos/go-systemd/v22/daemon,
//     the library systemd's own Go users (etcd, Kubernetes) rely on. Its
//     SdWatchdogEnabled reads the interval the unit asks for
//     (WatchdogSec=, given as WATCHDOG_USEC) for both supervisors.
//   - `kiosk supervise`, for Windows, where unix datagram sockets do not
//     exist and a program that draws must run in the user's session. The
//     supervisor listens on a loopback UDP port (Listen) and gives the
//     child its address and a random token (KIOSK_NOTIFY_ADDR,
//     KIOSK_NOTIFY_TOKEN). Every datagram carries the token; the
//     supervisor drops any without it, so another local program cannot
//     ping for a hung player, and a new token for each child start means
//     a player from an earlier start cannot either.
//
// The drawing loop only flips flags (Notifier.Ready, Notifier.Ping): the
// datagrams are sent by Notifier.Run on a goroutine of its own, so the
// frame path does no I/O, and a loop that stops calling Ping stops the
// pings.
package watchdog
