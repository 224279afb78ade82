//! The handshake engine's reader of the server's first flight (ServerHello, HelloRetryRequest,
//! Certificate, ServerKeyExchange, alerts, SSLv2 and non-TLS answers). The first byte picks
//! whether the stream ended and how far the reader goes.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| wsusprobe::fuzzing::server_flight(data));
