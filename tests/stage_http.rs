//! Stage `http`: plain http:// paths (WSUS 8530) and the SOAP sync call over TLS.

use crate::lab::{self, check, servers};
use servers::Reply;
use wsusprobe::model::Status;

async fn plain(reply: Reply, path: &str) -> lab::Run {
    let addr = servers::http(reply).await;
    check(&[&lab::url("http", "127.0.0.1", addr, path)]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selfupdate_over_http_passes_and_skips_tls() {
    let r = plain(Reply::ok(), "/selfupdate/iuident.cab").await;
    r.expect_ok();
    assert_eq!(r.status("tls"), Status::Skip);
    assert_eq!(r.status("certificate"), Status::Skip);
    assert_eq!(r.status("clock"), Status::Pass);
    assert_eq!(r.http().status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_kinds() {
    let cases = [
        ("401 Unauthorized", "unauthorized", "0x80244017"),
        ("403 Forbidden", "forbidden", "0x80244018"),
        ("404 Not Found", "not_found", "0x80244019"),
        ("500 Internal Server Error", "server_error", "0x8024401F"),
        ("502 Bad Gateway", "bad_gateway", "0x80244021"),
        (
            "503 Service Unavailable",
            "service_unavailable",
            "0x80244022",
        ),
        ("418 I'm a teapot", "unexpected_status", "0x8024402B"),
    ];
    for (status, kind, code) in cases {
        let r = plain(Reply::status(status), "/ClientWebService/client.asmx").await;
        r.expect("http", kind);
        assert_eq!(
            r.v().windows_error.as_deref().unwrap_or("-"),
            code,
            "{status}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_and_405_pass_a_get() {
    for status in ["302 Found", "405 Method Not Allowed"] {
        let r = plain(Reply::status(status), "/").await;
        r.expect_ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_when_the_answer_never_comes() {
    let r = {
        let addr = servers::http(Reply::Silent).await;
        check(&[&lab::url("http", "127.0.0.1", addr, "/"), "--timeout", "2s"]).await
    };
    r.expect("http", "timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_without_an_answer() {
    let r = plain(Reply::Close, "/").await;
    r.expect("http", "closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_http() {
    let r = plain(Reply::Raw(b"SSH-2.0-OpenSSH_9.2\r\n".to_vec()), "/").await;
    r.expect("http", "not_http");
}

async fn sync_service(reply: Reply) -> lab::Run {
    lab::sync_service("sws.update.microsoft.com", reply)
        .await
        .check(&[])
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soap_fault_records_the_error_code() {
    let reply = Reply::Http {
        status: "500 Internal Server Error",
        headers: vec![("Content-Type", "text/xml; charset=utf-8".into())],
        body: servers::SOAP_FAULT.into(),
        date_offset: 0,
    };
    let r = sync_service(reply).await;
    r.expect("http", "soap_fault");
    assert_eq!(r.http().soap_error.as_deref(), Some("InternalServerError"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_service_when_a_web_page_answers_the_sync_call() {
    let r = sync_service(Reply::ok()).await;
    r.expect("http", "not_service");
    assert_eq!(r.http().title.as_deref(), Some("200 OK"));
}
