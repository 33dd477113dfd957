// Go peer of bench/sync/queue.cpp (impl "go"); see bench/README.md ("sync").
//
// One producer goroutine sends N ints on a buffered channel, one consumer goroutine receives
// them, with GOMAXPROCS=1 (one scheduler thread: the counterpart of one event loop); ns per item.
// Shapes, as metrics of bench "sync.queue":
//
//	item_ns_unbounded     Go has no unbounded channel: a buffer of N, so the sender never waits
//	item_ns_maxsize_M     make(chan int, M), M = 1, 64, 1024
//
// Prints one JSON line per result on stdout:
//
//	{"bench": ..., "impl": "go", "metric": ..., "value": ..., "unit": ...}
//
// Times are the process's CPU time (CLOCK_PROCESS_CPUTIME_ID: goroutines may move between OS
// threads, and the GC's work counts), the median of 5 runs after one warm-up run.
//
//	go build -o go_peer . && ./go_peer [-quick]
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"syscall"
	"unsafe"
)

const (
	items       = 1_000_000
	repetitions = 5
	// CLOCK_PROCESS_CPUTIME_ID; Go 1.19's syscall package has no ClockGettime.
	clockProcessCPUTimeID = 2
)

func processCPUNs() int64 {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID,
		uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		panic(errno)
	}
	return ts.Nano()
}

// emit prints one result line; the names never need escaping.
func emit(bench, metric string, value float64, unit string) {
	fmt.Printf("{\"bench\": %q, \"impl\": \"go\", \"metric\": %q, \"value\": %.6f, \"unit\": %q}\n",
		bench, metric, value, unit)
}

// handOff runs the consumer (started first) and the producer to completion; returns the sum.
func handOff(capacity, n int) int64 {
	ch := make(chan int, capacity)
	var sum int64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		var s int64
		for i := 0; i < n; i++ {
			s += int64(<-ch)
		}
		sum = s
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < n; i++ {
			ch <- i
		}
	}()
	wg.Wait()
	return sum
}

func medianNsPerItem(capacity, n int) float64 {
	want := int64(n) * int64(n-1) / 2
	handOff(capacity, n) // warm-up: the goroutine stacks grow, the heap settles
	samples := make([]int64, repetitions)
	for r := range samples {
		start := processCPUNs()
		if got := handOff(capacity, n); got != want {
			fmt.Fprintf(os.Stderr, "error: wrong sum %d, want %d\n", got, want)
			os.Exit(1)
		}
		samples[r] = processCPUNs() - start
	}
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	return float64(samples[repetitions/2]) / float64(n)
}

func main() {
	quick := flag.Bool("quick", false, "fewer items (smoke test)")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	n := items
	if *quick {
		n /= 10
	}
	fmt.Fprintf(os.Stderr, "go: %s, GOMAXPROCS=%d\n", runtime.Version(), runtime.GOMAXPROCS(0))
	shapes := []struct {
		metric   string
		capacity int
	}{
		{"item_ns_unbounded", n},
		{"item_ns_maxsize_1", 1},
		{"item_ns_maxsize_64", 64},
		{"item_ns_maxsize_1024", 1024},
	}
	for _, s := range shapes {
		emit("sync.queue", s.metric, medianNsPerItem(s.capacity, n), "ns")
	}
}
