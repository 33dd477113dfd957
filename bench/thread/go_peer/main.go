// Go peer of bench/thread/bridge.cpp (impl "go"); see bench/README.md ("thread").
//
// Go has no event loop to wake from another thread, so only the thread-pool side is measured:
//
//	thread.pool_throughput   jobs_per_s: one goroutine sends N no-op jobs (func values) on a
//	                         channel to runtime.NumCPU() worker goroutines and waits for all of
//	                         them (a sync.WaitGroup), as corio's thread_pool with one thread per
//	                         core; impl "go_goroutines": one goroutine per job instead (`go job()`,
//	                         Go's usual way), the same WaitGroup
//	thread.parallel_speedup  speedup, hardware_threads, serial_ms, parallel_ms: the primes below
//	                         3,000,000 counted by trial division (the code of bridge.cpp) on one
//	                         goroutine, then in 256 chunks over runtime.NumCPU() worker goroutines;
//	                         wall time, best of 5 runs of each, alternated; serial_cpu_ms,
//	                         parallel_cpu_ms: the process's CPU time (getrusage) in each, best of 5
//
// GOMAXPROCS is left at its default (the number of CPUs). Times are wall-clock. Prints one JSON
// line per result on stdout:
//
//	{"bench": ..., "impl": "go", "metric": ..., "value": ..., "unit": ...}
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
	"time"
)

const (
	poolJobs    = 200_000
	poolRuns    = 5
	primeLimit  = 3_000_000
	primeChunks = 256
	speedupRuns = 5
)

// emit prints one result line; the names never need escaping.
func emit(bench, impl, metric string, value float64, unit string) {
	fmt.Printf("{\"bench\": %q, \"impl\": %q, \"metric\": %q, \"value\": %.6f, \"unit\": %q}\n",
		bench, impl, metric, value, unit)
}

//go:noinline
func noOp() {}

// ---- thread.pool_throughput ----------------------------------------------------------------------

// workerPool runs the jobs sent on its channel on a fixed number of goroutines.
type workerPool struct {
	jobs chan func()
}

func newWorkerPool(workers int) *workerPool {
	p := &workerPool{jobs: make(chan func(), 1024)}
	for i := 0; i < workers; i++ {
		go func() {
			for job := range p.jobs {
				job()
			}
		}()
	}
	return p
}

func median(v []float64) float64 {
	sort.Float64s(v)
	return v[len(v)/2]
}

func poolThroughput(jobs int) {
	pool := newWorkerPool(runtime.NumCPU())
	defer close(pool.jobs)
	var wg sync.WaitGroup
	job := func() {
		noOp()
		wg.Done()
	}
	run := func(submit func()) float64 {
		start := time.Now()
		wg.Add(jobs)
		for i := 0; i < jobs; i++ {
			submit()
		}
		wg.Wait()
		return float64(jobs) / time.Since(start).Seconds()
	}
	workers := func() { pool.jobs <- job }
	goroutines := func() { go job() }
	run(workers) // warm-up
	perS := make([]float64, poolRuns)
	for i := range perS {
		perS[i] = run(workers)
	}
	emit("thread.pool_throughput", "go", "jobs_per_s", median(perS), "jobs/s")
	run(goroutines)
	for i := range perS {
		perS[i] = run(goroutines)
	}
	emit("thread.pool_throughput", "go_goroutines", "jobs_per_s", median(perS), "jobs/s")
}

// ---- thread.parallel_speedup ---------------------------------------------------------------------

func isPrime(n uint32) bool {
	if n < 2 {
		return false
	}
	if n%2 == 0 {
		return n == 2
	}
	for d := uint32(3); d*d <= n; d += 2 {
		if n%d == 0 {
			return false
		}
	}
	return true
}

func countChunk(c, limit uint32) uint32 {
	begin := uint32(uint64(limit) * uint64(c) / primeChunks)
	end := uint32(uint64(limit) * uint64(c+1) / primeChunks)
	var count uint32
	for n := begin; n < end; n++ {
		if isPrime(n) {
			count++
		}
	}
	return count
}

func countSerial(limit uint32) uint32 {
	var total uint32
	for c := uint32(0); c < primeChunks; c++ {
		total += countChunk(c, limit)
	}
	return total
}

func countParallel(limit uint32, workers int) uint32 {
	chunks := make(chan uint32, primeChunks)
	for c := uint32(0); c < primeChunks; c++ {
		chunks <- c
	}
	close(chunks)
	counts := make(chan uint32, workers)
	for w := 0; w < workers; w++ {
		go func() {
			var sum uint32
			for c := range chunks {
				sum += countChunk(c, limit)
			}
			counts <- sum
		}()
	}
	var total uint32
	for w := 0; w < workers; w++ {
		total += <-counts
	}
	return total
}

// processCPU is the CPU time of the whole process (user + system, all threads).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func parallelSpeedup(limit uint32) {
	workers := runtime.NumCPU()
	expected := countSerial(limit)
	bestSerial, bestParallel := time.Duration(1<<62), time.Duration(1<<62)
	bestSerialCPU, bestParallelCPU := time.Duration(1<<62), time.Duration(1<<62)
	for i := 0; i < speedupRuns; i++ {
		start, cpuStart := time.Now(), processCPU()
		serial := countSerial(limit)
		if d := time.Since(start); d < bestSerial {
			bestSerial = d
		}
		if d := processCPU() - cpuStart; d < bestSerialCPU {
			bestSerialCPU = d
		}
		start, cpuStart = time.Now(), processCPU()
		parallel := countParallel(limit, workers)
		if d := time.Since(start); d < bestParallel {
			bestParallel = d
		}
		if d := processCPU() - cpuStart; d < bestParallelCPU {
			bestParallelCPU = d
		}
		if serial != expected || parallel != expected {
			fmt.Fprintln(os.Stderr, "thread.parallel_speedup: wrong count")
			os.Exit(1)
		}
	}
	emit("thread.parallel_speedup", "go", "speedup", bestSerial.Seconds()/bestParallel.Seconds(), "x")
	emit("thread.parallel_speedup", "go", "hardware_threads", float64(workers), "threads")
	emit("thread.parallel_speedup", "go", "serial_ms", bestSerial.Seconds()*1e3, "ms")
	emit("thread.parallel_speedup", "go", "parallel_ms", bestParallel.Seconds()*1e3, "ms")
	emit("thread.parallel_speedup", "go", "serial_cpu_ms", bestSerialCPU.Seconds()*1e3, "ms")
	emit("thread.parallel_speedup", "go", "parallel_cpu_ms", bestParallelCPU.Seconds()*1e3, "ms")
}

func main() {
	quick := flag.Bool("quick", false, "less work (smoke test)")
	flag.Parse()
	scale := 1
	if *quick {
		scale = 10
	}
	fmt.Fprintf(os.Stderr, "go: %s, GOMAXPROCS %d\n", runtime.Version(), runtime.GOMAXPROCS(0))
	poolThroughput(poolJobs / scale)
	parallelSpeedup(uint32(primeLimit / scale))
}
