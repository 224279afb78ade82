//! In-process DNS servers (hickory-server): a zone `lab.test.` and servers that fail on purpose.
//! The zone also holds the hostile answers: `loop1`/`loop2` (a CNAME loop) and `many` (500 A
//! records in 127.0.1.0/23).

use std::net::{Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::rdata::{A, CNAME, SOA, TXT};
use hickory_resolver::proto::rr::{LowerName, Name, RData, Record};
use hickory_server::Server;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, MessageResponseBuilder, ZoneType};
use tokio::net::{TcpListener, UdpSocket};

fn n(s: &str) -> Name {
    Name::from_str(s).unwrap()
}

/// Serves `lab.test.`: `good.lab.test` → 127.0.0.1 through a CNAME, `txtonly.lab.test` has no
/// address, `hop` → `deadalias` → `gone` (which does not exist) and `textalias` → `txtonly` are
/// aliases that lead nowhere, `blocked.lab.test` → 0.0.0.0 (sinkholed), everything else in the zone is NXDOMAIN; other zones are REFUSED.
pub async fn zone_server() -> SocketAddr {
    let origin = n("lab.test.");
    let mut zone: InMemoryZoneHandler<TokioRuntimeProvider> =
        InMemoryZoneHandler::empty(origin.clone(), ZoneType::Primary, AxfrPolicy::Deny);
    let serial = 1;
    zone.upsert_mut(
        Record::from_rdata(
            origin.clone(),
            3600,
            RData::SOA(SOA::new(
                n("ns.lab.test."),
                n("admin.lab.test."),
                serial,
                3600,
                600,
                86400,
                300,
            )),
        ),
        serial,
    );
    zone.upsert_mut(
        Record::from_rdata(
            n("good.lab.test."),
            60,
            RData::CNAME(CNAME(n("edge.lab.test."))),
        ),
        serial,
    );
    zone.upsert_mut(
        Record::from_rdata(n("edge.lab.test."), 30, RData::A(A(Ipv4Addr::LOCALHOST))),
        serial,
    );
    zone.upsert_mut(
        Record::from_rdata(
            n("txtonly.lab.test."),
            30,
            RData::TXT(TXT::new(vec!["no address here".into()])),
        ),
        serial,
    );
    // A name blocked the way DNS filters block one: 0.0.0.0.
    zone.upsert_mut(
        Record::from_rdata(
            n("blocked.lab.test."),
            30,
            RData::A(A(Ipv4Addr::UNSPECIFIED)),
        ),
        serial,
    );
    // Aliases that lead nowhere: to a name that does not exist (after two hops), and to one
    // without an address.
    for (from, to) in [
        ("hop.lab.test.", "deadalias.lab.test."),
        ("deadalias.lab.test.", "gone.lab.test."),
        ("textalias.lab.test.", "txtonly.lab.test."),
    ] {
        zone.upsert_mut(
            Record::from_rdata(n(from), 30, RData::CNAME(CNAME(n(to)))),
            serial,
        );
    }
    // Hostile answers: a CNAME loop, and one name with 500 addresses (too big for UDP: the
    // resolver has to retry over TCP).
    for (from, to) in [("loop1", "loop2"), ("loop2", "loop1")] {
        zone.upsert_mut(
            Record::from_rdata(
                n(&format!("{from}.lab.test.")),
                30,
                RData::CNAME(CNAME(n(&format!("{to}.lab.test.")))),
            ),
            serial,
        );
    }
    for i in 0..500u32 {
        zone.upsert_mut(
            Record::from_rdata(
                n("many.lab.test."),
                30,
                RData::A(A(Ipv4Addr::new(
                    127,
                    0,
                    1 + (i / 250) as u8,
                    1 + (i % 250) as u8,
                ))),
            ),
            serial,
        );
    }
    let mut catalog = Catalog::new();
    catalog.upsert(LowerName::new(&origin), vec![Arc::new(zone)]);
    serve(Server::new(catalog)).await
}

struct Fails(ResponseCode);

#[async_trait::async_trait]
impl RequestHandler for Fails {
    async fn handle_request<R: ResponseHandler, T: hickory_resolver::net::runtime::Time>(
        &self,
        request: &Request,
        mut rh: R,
    ) -> ResponseInfo {
        let b = MessageResponseBuilder::from_message_request(request);
        rh.send_response(b.error_msg(&request.metadata, self.0))
            .await
            .unwrap()
    }
}

/// A server that answers every query with SERVFAIL.
pub async fn servfail_server() -> SocketAddr {
    serve(Server::new(Fails(ResponseCode::ServFail))).await
}

/// A UDP socket and a TCP listener on the same free loopback port. The port the kernel picks for
/// UDP can be in use for TCP (another test's connection): then try another.
fn udp_and_tcp() -> (std::net::UdpSocket, std::net::TcpListener, SocketAddr) {
    for _ in 0..50 {
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = udp.local_addr().unwrap();
        if let Ok(tcp) = std::net::TcpListener::bind(addr) {
            return (udp, tcp, addr);
        }
    }
    panic!("no loopback port free for both UDP and TCP")
}

async fn serve<H: RequestHandler>(mut server: Server<H>) -> SocketAddr {
    let (udp, tcp, addr) = udp_and_tcp();
    udp.set_nonblocking(true).unwrap();
    tcp.set_nonblocking(true).unwrap();
    let udp = UdpSocket::from_std(udp).unwrap();
    let tcp = TcpListener::from_std(tcp).unwrap();
    server.register_socket(udp);
    server.register_listener(tcp, Duration::from_secs(5), 4096);
    tokio::spawn(async move {
        let _ = server.block_until_done().await;
    });
    addr
}

/// A DNS "server" that receives queries (UDP and TCP) and never answers. Keep the sockets alive.
pub fn silent_server() -> (std::net::UdpSocket, std::net::TcpListener, SocketAddr) {
    udp_and_tcp()
}
