// Go peer of bench/thread/channel.cpp (impl "go"); standard library only. Built by scripts/bench.
module corio/bench/thread/go_channel_peer

go 1.19
