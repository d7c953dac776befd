package faultproxy

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// procNetFiles are both tables because a client's socket may be IPv6 (dual
// stack) even when it connects to an IPv4 address: then it is in tcp6, mapped.
var procNetFiles = []string{"/proc/net/tcp", "/proc/net/tcp6"}

// clientInode finds the inode of the client's end of nc, which is how the
// connection is later matched with the fds of a process. Both ends are local, so
// the client's row is in this network namespace's tables. 0 means not found (the
// client is already gone, or not Linux): the connection is then never matched.
func clientInode(nc net.Conn) uint64 {
	client, ok1 := addrPort(nc.RemoteAddr())
	proxy, ok2 := addrPort(nc.LocalAddr())
	if !ok1 || !ok2 {
		return 0
	}
	for _, file := range procNetFiles {
		if inode := findInode(file, client, proxy); inode != 0 {
			return inode
		}
	}
	return 0
}

func addrPort(a net.Addr) (netip.AddrPort, bool) {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.AddrPort{}, false
	}
	ap := ta.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
}

// findInode returns the inode of the row from local to remote. Rows with inode
// 0 (TIME_WAIT of an earlier connection with the same ports) are skipped.
func findInode(file string, local, remote netip.AddrPort) uint64 {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 10 || f[0] == "sl" {
			continue
		}
		l, err1 := parseHexAddrPort(f[1])
		r, err2 := parseHexAddrPort(f[2])
		inode, err3 := strconv.ParseUint(f[9], 10, 64)
		if err1 == nil && err2 == nil && err3 == nil && inode != 0 && l == local && r == remote {
			return inode
		}
	}
	return 0
}

// parseHexAddrPort parses "0100007F:1F90" as the kernel prints it: the address
// as 32-bit words each in host byte order, the port already in host order.
func parseHexAddrPort(s string) (netip.AddrPort, error) {
	hexIP, hexPort, ok := strings.Cut(s, ":")
	if !ok || (len(hexIP) != 8 && len(hexIP) != 32) {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", s)
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return netip.AddrPort{}, err
	}
	b := make([]byte, len(hexIP)/2)
	for i := 0; i < len(b); i += 4 {
		w, err := strconv.ParseUint(hexIP[2*i:2*i+8], 16, 32)
		if err != nil {
			return netip.AddrPort{}, err
		}
		binary.NativeEndian.PutUint32(b[i:], uint32(w))
	}
	ip, _ := netip.AddrFromSlice(b)
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)), nil
}

// socketInodes lists the socket inodes among the fds of pid. An fd closed while
// listing is skipped, not an error: the process keeps running meanwhile. A pid
// whose fds cannot be listed (no such process, not ours) is an error.
func socketInodes(pid int) (map[uint64]struct{}, error) {
	if pid <= 0 {
		return nil, fmt.Errorf("faultproxy: invalid pid %d", pid)
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: fds of process %d: %w", pid, err)
	}
	inodes := map[uint64]struct{}{}
	for _, e := range entries {
		link, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if s, ok := strings.CutPrefix(link, "socket:["); ok {
			if n, err := strconv.ParseUint(strings.TrimSuffix(s, "]"), 10, 64); err == nil {
				inodes[n] = struct{}{}
			}
		}
	}
	return inodes, nil
}
