#pragma once
/// @file
/// Everything of the network module: addresses, sockets, and asyncio's streams (readers,
/// writers, `open_connection`, servers, pipes).

#include <corio/net/address.hpp>
#include <corio/net/errors.hpp>
#include <corio/net/open_connection.hpp>
#include <corio/net/pipe.hpp>
#include <corio/net/resolve_error.hpp>
#include <corio/net/server.hpp>
#include <corio/net/socket.hpp>
#include <corio/net/stream_errors.hpp>
#include <corio/net/stream_reader.hpp>
#include <corio/net/stream_writer.hpp>
