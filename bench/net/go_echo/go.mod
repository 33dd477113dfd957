// Go peer of the loopback echo benchmark (impl "go"); standard library only. Built by
// bench/net/echo_bench.py.
module corio/bench/net/go_echo

go 1.19
