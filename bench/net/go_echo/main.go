// Go peer of the loopback echo benchmark (bench/net, impl "go"; see bench/net/README.md).
//
// The standard library's net package, one goroutine per connection, GOMAXPROCS=1 (one scheduler
// thread: the counterpart of one event loop; the runtime still has its sysmon thread and the
// netpoller is driven by the scheduler). Each goroutine reads into a 16 KiB buffer of its own
// (as corio's) and writes it back. Built by bench/net/echo_bench.py with Debian's golang-go,
// offline (GOPROXY=off, GOFLAGS=-mod=mod with no dependency).
//
//	go_echo [PORT]     (0 or nothing: the kernel picks; the port is the first line printed)
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"syscall"
)

func serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 16384)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func main() {
	runtime.GOMAXPROCS(1)
	port := 0
	if len(os.Args) > 1 {
		port, _ = strconv.Atoi(os.Args[1])
	}
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil && rl.Cur < rl.Max {
		rl.Cur = rl.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	// Go's listener takes the backlog from /proc/sys/net/core/somaxconn; TCP_NODELAY is Go's
	// default on every TCP connection.
	ln, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_echo:", err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		go serve(c)
	}
}
