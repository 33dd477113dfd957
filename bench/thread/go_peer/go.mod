// Go peer of bench/thread/bridge.cpp (impl "go"); standard library only. Built by scripts/bench.
module corio/bench/thread/go_peer

go 1.19
