// Go peer of bench/sync/queue.cpp (impl "go"); standard library only. Built by scripts/bench.
module corio/bench/sync/go_peer

go 1.19
