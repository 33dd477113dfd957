// Go peer of bench/thread/channel.cpp (impl "go"); see bench/README.md ("thread"). Same bench
// and metric names as bench_thread_channel, with GOMAXPROCS=2 (two scheduler threads: the
// counterpart of two threads):
//
//	thread.channel          item_ns_thread_thread_cap_N, items_per_s_thread_thread_cap_N
//	                        (N = 1, 64, 1024): one goroutine sends 200,000 ints on
//	                        make(chan int, N), another receives and sums them
//	thread.channel_latency  p50_ns_thread_thread, p99_ns_thread_thread: the sender stamps the
//	                        monotonic clock and sends it on a channel of capacity 1, the receiver
//	                        reads the clock as soon as it has it and answers on a second channel
//	                        of capacity 1; one item in flight at a time, 20,000 samples
//
// Throughputs are wall-clock (two goroutines work at once) from before the channel is made and
// the goroutines started until both have finished: per repetition, runs of 200,000 items until
// 0.2 s have passed; the median of 5 repetitions after one warm-up run, as Google Benchmark does
// for the C++ binary. Latencies: p50/p99 of each repetition's samples, median of 5 repetitions.
// Prints one JSON line per result on stdout:
//
//	{"bench": ..., "impl": "go", "metric": ..., "value": ..., "unit": ...}
//
//	go build -o go_channel_peer . && ./go_channel_peer
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"
)

const (
	items       = 200_000
	roundTrips  = 20_000
	repetitions = 5
	minTime     = 200 * time.Millisecond
	expectedSum = int64(items) * (items - 1) / 2
)

// emit prints one result line; the names never need escaping.
func emit(bench, metric string, value float64, unit string) {
	fmt.Printf("{\"bench\": %q, \"impl\": \"go\", \"metric\": %q, \"value\": %.6f, \"unit\": %q}\n",
		bench, metric, value, unit)
}

func median(v []float64) float64 {
	sort.Float64s(v)
	return v[len(v)/2]
}

// handOff runs a consumer goroutine (started first) and a producer goroutine to completion;
// returns the sum.
func handOff(capacity int) int64 {
	ch := make(chan int, capacity)
	var sum int64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		var s int64
		for v := range ch {
			s += int64(v)
		}
		sum = s
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < items; i++ {
			ch <- i
		}
		close(ch)
	}()
	wg.Wait()
	return sum
}

func throughput(capacity int) {
	check := func(sum int64) {
		if sum != expectedSum {
			fmt.Fprintf(os.Stderr, "error: wrong sum %d, want %d\n", sum, expectedSum)
			os.Exit(1)
		}
	}
	check(handOff(capacity)) // warm-up: the goroutine stacks grow, the heap settles
	ns := make([]float64, repetitions)
	for r := range ns {
		runs := 0
		var elapsed time.Duration
		for elapsed < minTime {
			start := time.Now()
			sum := handOff(capacity)
			elapsed += time.Since(start)
			check(sum)
			runs++
		}
		ns[r] = float64(elapsed.Nanoseconds()) / float64(runs*items)
	}
	v := median(ns)
	suffix := fmt.Sprintf("thread_thread_cap_%d", capacity)
	emit("thread.channel", "item_ns_"+suffix, v, "ns")
	emit("thread.channel", "items_per_s_"+suffix, 1e9/v, "items/s")
}

// latencySamples: one goroutine sends stamps, another measures and acknowledges each.
func latencySamples() []int64 {
	base := time.Now()
	stamps := make(chan time.Duration, 1)
	ack := make(chan struct{}, 1)
	ns := make([]int64, 0, roundTrips)
	done := make(chan struct{})
	go func() {
		for sent := range stamps {
			ns = append(ns, int64(time.Since(base)-sent))
			ack <- struct{}{}
		}
		close(done)
	}()
	go func() {
		for i := 0; i < roundTrips; i++ {
			stamps <- time.Since(base)
			<-ack
		}
		close(stamps)
	}()
	<-done
	return ns
}

func latency() {
	latencySamples() // warm-up
	p50 := make([]float64, repetitions)
	p99 := make([]float64, repetitions)
	for r := 0; r < repetitions; r++ {
		ns := latencySamples()
		sort.Slice(ns, func(i, j int) bool { return ns[i] < ns[j] })
		at := func(p float64) float64 { return float64(ns[int(p*float64(len(ns)-1))]) }
		p50[r], p99[r] = at(0.50), at(0.99)
	}
	emit("thread.channel_latency", "p50_ns_thread_thread", median(p50), "ns")
	emit("thread.channel_latency", "p99_ns_thread_thread", median(p99), "ns")
}

func main() {
	runtime.GOMAXPROCS(2)
	fmt.Fprintf(os.Stderr, "go: %s, GOMAXPROCS=%d\n", runtime.Version(), runtime.GOMAXPROCS(0))
	for _, capacity := range []int{1, 64, 1024} {
		throughput(capacity)
	}
	latency()
}
