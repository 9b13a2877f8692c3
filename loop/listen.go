package loop

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Every loop listens and accepts for itself, on its own SO_REUSEPORT
// socket, and the kernel spreads new connections over them (docs/01). The
// catch is that SO_REUSEPORT lets any process of the same user bind the
// port too. Two checks keep the port ours alone, as a plain listener would
// be:
//
//   - before binding, claimPort binds a plain socket, which fails on a port
//     anyone holds, and answers with Redis's words;
//   - after every loop has bound, portAlone counts the listeners on the
//     port: two servers that passed the first check at the same moment and
//     then both bound see each other's sockets there, and at least the
//     later one to look gives the port up.

// claimPort checks that every bind address's port is free, and resolves
// port 0 to one port the kernel chose, so that all loops bind the same one.
// It returns gnet's addresses and the port.
func (s *Server) claimPort(cfg Config) ([]string, int, error) {
	port := cfg.Port
	addrs := make([]string, 0, len(cfg.Bind))
	for _, b := range cfg.Bind {
		ln, err := net.Listen("tcp", net.JoinHostPort(b, strconv.Itoa(port)))
		if err != nil {
			s.log.Warningf("Warning: Could not create server TCP listening socket %s:%d: %s", b, port, netErrText(err))
			return nil, 0, errListen(port)
		}
		if port == 0 {
			port = ln.Addr().(*net.TCPAddr).Port
		}
		ln.Close()
		addrs = append(addrs, "tcp://"+net.JoinHostPort(b, strconv.Itoa(port)))
	}
	return addrs, port, nil
}

// errListen is what Serve returns when the port is not to be had; Redis
// logs the same words before it exits.
func errListen(port int) error {
	return fmt.Errorf("Failed listening on port %d (TCP), aborting.", port)
}

// portAlone checks, once every loop listens, that the listening sockets on
// the port whose address overlaps a bind address are this server's: as
// many as it bound (loops per address) and all of them this process's.
// When they are not, it returns the bind address that is shared and why.
func portAlone(binds []string, port, loops int) (string, error) {
	all, err := listenersOn(port)
	if err != nil {
		return binds[0], err
	}
	ours, err := ownSockets()
	if err != nil {
		return binds[0], err
	}
	for _, b := range binds {
		ip := net.ParseIP(b)
		want, found := 0, 0
		for _, other := range binds {
			if overlaps(ip, net.ParseIP(other)) {
				want += loops
			}
		}
		for _, l := range all {
			if !overlaps(ip, l.ip) {
				continue
			}
			if !ours[l.inode] {
				return b, fmt.Errorf("another process listens on %s:%d", l.ip, port)
			}
			found++
		}
		if found != want {
			return b, fmt.Errorf("%d sockets listen on %s:%d where this server bound %d", found, b, port, want)
		}
	}
	return "", nil
}

// overlaps reports whether connections to one address could reach a
// listener on the other: the same address, or either one a wildcard (or
// not an address at all, which is counted as a wildcard to be safe).
func overlaps(a, b net.IP) bool {
	if a == nil || b == nil || a.IsUnspecified() || b.IsUnspecified() {
		return true
	}
	return a.Equal(b)
}

// listenSocket is one listening TCP socket of the machine.
type listenSocket struct {
	ip    net.IP
	inode uint64
}

// listenersOn lists the listening TCP sockets on port, from the kernel's
// tables of IPv4 and IPv6 sockets.
func listenersOn(port int) ([]listenSocket, error) {
	var out []listenSocket
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if os.IsNotExist(err) {
			continue // no IPv6 in this kernel
		}
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // the header
		for sc.Scan() {
			if l, ok := parseListener(sc.Text(), port); ok {
				out = append(out, l)
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// tcpListen is the kernel's TCP_LISTEN state, as /proc/net/tcp writes it.
const tcpListen = "0A"

// parseListener reads one line of /proc/net/tcp or tcp6:
//
//	sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
//	0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 12345 ...
//
// and returns the socket if it listens on port.
func parseListener(line string, port int) (listenSocket, bool) {
	f := strings.Fields(line)
	if len(f) < 10 || f[3] != tcpListen {
		return listenSocket{}, false
	}
	hexIP, hexPort, ok := strings.Cut(f[1], ":")
	if !ok {
		return listenSocket{}, false
	}
	p, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil || int(p) != port {
		return listenSocket{}, false
	}
	raw, err := hex.DecodeString(hexIP)
	if err != nil || (len(raw) != net.IPv4len && len(raw) != net.IPv6len) {
		return listenSocket{}, false
	}
	// The kernel prints each 32-bit word of the address as a number, and
	// the word holds the address's bytes in memory order.
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(raw[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	inode, err := strconv.ParseUint(f[9], 10, 64)
	if err != nil {
		return listenSocket{}, false
	}
	return listenSocket{ip: net.IP(raw), inode: inode}, true
}

// ownSockets returns the inodes of this process's sockets, which
// /proc/self/fd names as links to "socket:[inode]".
func ownSockets() (map[uint64]bool, error) {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]bool, len(fds))
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err != nil {
			continue // closed since the listing
		}
		if rest, ok := strings.CutPrefix(target, "socket:["); ok {
			if inode, err := strconv.ParseUint(strings.TrimSuffix(rest, "]"), 10, 64); err == nil {
				out[inode] = true
			}
		}
	}
	return out, nil
}
