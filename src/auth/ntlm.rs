//! NTLMv2 for the proxy's CONNECT (MS-NLMP): NEGOTIATE → CHALLENGE → AUTHENTICATE on one
//! connection. The messages are encoded and decoded by the `ntlmclient` crate; the NTLMv2
//! response is computed here with an injectable client challenge, so that the MS-NLMP §4.2.4
//! test vectors check it byte for byte.
//!
//! ntlmclient's `Credentials` prints the password in `Debug`: it is built only inside
//! [`ntowf_v2`] and dropped there. No MIC and no channel binding: HTTP proxies do not ask for them.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::Md5;
use ntlmclient::{AuthenticateMessage, Flags, Message, NegotiateMessage};
use secrecy::ExposeSecret;

use super::Credentials;
use super::{AuthError, Exchange, Step};

/// The workstation name sent in the messages.
const WORKSTATION: &str = "WSUSPROBE";
/// Largest challenge token accepted (base64 text).
const MAX_TOKEN: usize = 16 * 1024;

type HmacMd5 = Hmac<Md5>;

fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    // HMAC accepts keys of any length.
    let mut mac = <HmacMd5 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for p in parts {
        mac.update(p);
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// `DOMAIN\user` → (user, DOMAIN); `user@domain` stays whole with an empty domain (a UPN);
/// a bare name has an empty domain.
pub fn split_user(user: &str) -> (String, String) {
    match user.split_once('\\') {
        Some((domain, name)) => (name.to_string(), domain.to_string()),
        None => (user.to_string(), String::new()),
    }
}

/// NTOWFv2 (MS-NLMP 3.3.2): HMAC-MD5(MD4(password), UPPER(user) ‖ domain), UTF-16LE.
pub fn ntowf_v2(user: &str, domain: &str, password: &str) -> [u8; 16] {
    let creds = ntlmclient::Credentials {
        username: user.to_string(),
        password: password.to_string(),
        domain: domain.to_string(),
    };
    ntlmclient::ntlm_v2_password_func(&creds)
}

pub struct V2Response {
    /// NtChallengeResponse: NTProofStr ‖ temp.
    pub nt: Vec<u8>,
    /// LmChallengeResponse (LMv2).
    pub lm: Vec<u8>,
    pub session_base_key: [u8; 16],
}

/// The NTLMv2 response (MS-NLMP 3.3.2) for a server challenge, a client challenge, a timestamp
/// (100 ns since 1601) and the server's target information.
pub fn ntlmv2_response(
    ntowf: &[u8; 16],
    server_challenge: &[u8; 8],
    client_challenge: &[u8; 8],
    time: u64,
    target_info: &[u8],
) -> V2Response {
    let mut temp = vec![1u8, 1, 0, 0, 0, 0, 0, 0];
    temp.extend_from_slice(&time.to_le_bytes());
    temp.extend_from_slice(client_challenge);
    temp.extend_from_slice(&[0; 4]);
    temp.extend_from_slice(target_info);
    temp.extend_from_slice(&[0; 4]);
    let proof = hmac_md5(ntowf, &[server_challenge, &temp]);
    let mut nt = proof.to_vec();
    nt.extend_from_slice(&temp);
    let mut lm = hmac_md5(ntowf, &[server_challenge, client_challenge]).to_vec();
    lm.extend_from_slice(client_challenge);
    V2Response {
        nt,
        lm,
        session_base_key: hmac_md5(ntowf, &[&proof]),
    }
}

/// Check an NtChallengeResponse (NTProofStr ‖ temp) against NTOWFv2 and the server challenge —
/// what a proxy's verifier does. Used by the test lab's NTLM proxy.
pub fn verify_ntlmv2(ntowf: &[u8; 16], server_challenge: &[u8; 8], nt_response: &[u8]) -> bool {
    if nt_response.len() < 16 + 28 {
        return false;
    }
    let (proof, temp) = nt_response.split_at(16);
    hmac_md5(ntowf, &[server_challenge, temp]) == proof
}

/// What the client needs from a CHALLENGE message (MS-NLMP 2.2.1.2).
#[derive(Debug, PartialEq, Eq)]
pub struct Challenge {
    pub flags: u32,
    pub server_challenge: [u8; 8],
    /// TargetInfo as the server sent it; empty unless NEGOTIATE_TARGET_INFO is set.
    pub target_info: Vec<u8>,
}

const NEGOTIATE_TARGET_INFO: u32 = 0x0080_0000;

/// Parse a CHALLENGE message, reading only the fields NTLMv2 needs and checking every bound.
/// Written here rather than taken from ntlmclient because real proxies send challenges its
/// parser refuses (Squid's ntlm_fake_auth puts a garbage offset in the unused TargetName field).
pub fn parse_challenge_bytes(msg: &[u8]) -> Result<Challenge, AuthError> {
    let bad = |what: &str| AuthError::required(format!("the NTLM challenge is malformed ({what})"));
    if msg.len() < 32 || &msg[..8] != b"NTLMSSP\0" {
        return Err(bad("no NTLMSSP signature"));
    }
    if msg[8..12] != [2, 0, 0, 0] {
        return Err(AuthError::required(
            "the proxy's NTLM token is not a CHALLENGE message",
        ));
    }
    let flags = u32::from_le_bytes([msg[20], msg[21], msg[22], msg[23]]);
    let mut server_challenge = [0u8; 8];
    server_challenge.copy_from_slice(&msg[24..32]);
    let mut target_info = Vec::new();
    if flags & NEGOTIATE_TARGET_INFO != 0 {
        let fields = msg.get(40..48).ok_or_else(|| bad("no TargetInfo fields"))?;
        let len = u16::from_le_bytes([fields[0], fields[1]]) as usize;
        let off = u32::from_le_bytes([fields[4], fields[5], fields[6], fields[7]]) as usize;
        let ti = off
            .checked_add(len)
            .and_then(|end| msg.get(off..end))
            .ok_or_else(|| bad("TargetInfo outside the message"))?;
        target_info = ti.to_vec();
    }
    Ok(Challenge {
        flags,
        server_challenge,
        target_info,
    })
}

/// The server's MsvAvTimestamp (AvId 7), if its target information carries one.
fn av_timestamp(mut ti: &[u8]) -> Option<u64> {
    while ti.len() >= 4 {
        let id = u16::from_le_bytes([ti[0], ti[1]]);
        let len = u16::from_le_bytes([ti[2], ti[3]]) as usize;
        let value = ti.get(4..4 + len)?;
        if id == 0 {
            return None;
        }
        if id == 7 && len == 8 {
            let mut b = [0u8; 8];
            b.copy_from_slice(value);
            return Some(u64::from_le_bytes(b));
        }
        ti = &ti[4 + len..];
    }
    None
}

fn now_ntlm() -> u64 {
    // 100 ns intervals between 1601-01-01 and 1970-01-01.
    const EPOCH_DIFF: u64 = 116_444_736_000_000_000;
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    EPOCH_DIFF + (since.as_nanos() / 100) as u64
}

/// NTLM over `Proxy-Authorization: NTLM …` (or `Negotiate …`, whose NTLM fallback accepts a raw
/// NTLM token).
pub struct Ntlm<'a> {
    auth: &'a Credentials,
    header: &'static str,
}

impl<'a> Ntlm<'a> {
    pub fn new(auth: &'a Credentials, header: &'static str) -> Self {
        Self { auth, header }
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decode and parse a CHALLENGE token from a `Proxy-Authenticate` header.
fn parse_challenge(token: &str) -> Result<Challenge, AuthError> {
    if token.len() > MAX_TOKEN {
        return Err(AuthError::required(
            "the NTLM challenge is implausibly large",
        ));
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .map_err(|_| AuthError::required("the NTLM challenge is not valid base64"))?;
    parse_challenge_bytes(&raw)
}

impl Exchange for Ntlm<'_> {
    fn scheme(&self) -> &'static str {
        self.header
    }

    fn connection_bound(&self) -> bool {
        true
    }

    fn start(&mut self) -> Result<String, AuthError> {
        let msg = Message::Negotiate(NegotiateMessage {
            flags: Flags::NEGOTIATE_UNICODE
                | Flags::NEGOTIATE_OEM
                | Flags::REQUEST_TARGET
                | Flags::NEGOTIATE_NTLM
                | Flags::NEGOTIATE_ALWAYS_SIGN
                | Flags::NEGOTIATE_NTLM2_KEY
                | Flags::NEGOTIATE_128BIT
                | Flags::NEGOTIATE_56BIT,
            supplied_domain: String::new(),
            supplied_workstation: String::new(),
            os_version: Default::default(),
        });
        let bytes = msg
            .to_bytes()
            .map_err(|_| AuthError::required("cannot encode the NTLM NEGOTIATE message"))?;
        Ok(format!("{} {}", self.header, b64(&bytes)))
    }

    fn step(&mut self, challenge: Option<&str>) -> Result<Step, AuthError> {
        let Some(token) = challenge else {
            return Err(AuthError::required(format!(
                "the proxy answered the {} NEGOTIATE without a challenge",
                self.header
            )));
        };
        let chal = parse_challenge(token)?;
        let target_info = chal.target_info.as_slice();
        let (user, domain) = split_user(&self.auth.user);
        let ntowf = ntowf_v2(&user, &domain, self.auth.password.expose_secret());
        let mut client = [0u8; 8];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut client)
            .map_err(|_| AuthError::required("no random numbers for the client challenge"))?;
        let time = av_timestamp(target_info).unwrap_or_else(now_ntlm);
        let r = ntlmv2_response(&ntowf, &chal.server_challenge, &client, time, target_info);
        let msg = Message::Authenticate(AuthenticateMessage {
            lm_response: r.lm,
            ntlm_response: r.nt,
            domain_name: domain,
            user_name: user,
            workstation_name: WORKSTATION.to_string(),
            // No key exchange is negotiated: the encrypted session key stays empty (a strict
            // peer rejects a key without NEGOTIATE_KEY_EXCHANGE).
            session_key: Vec::new(),
            flags: Flags::NEGOTIATE_UNICODE
                | Flags::NEGOTIATE_NTLM
                | Flags::NEGOTIATE_NTLM2_KEY
                | Flags::NEGOTIATE_ALWAYS_SIGN,
            os_version: Default::default(),
        });
        let bytes = msg
            .to_bytes()
            .map_err(|_| AuthError::required("cannot encode the NTLM AUTHENTICATE message"))?;
        Ok(Step::Send(format!("{} {}", self.header, b64(&bytes))))
    }

    fn speaker(&self) -> Option<String> {
        Some(format!("user {}", self.auth.user))
    }

    fn refused(&self, first_leg: bool) -> Option<AuthError> {
        // NTLM inside Negotiate, answered with a bare 407: the proxy takes Kerberos only.
        (self.header == "Negotiate" && first_leg)
            .then(|| AuthError::required(crate::knowledge::kerberos::NTLM_REFUSED))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// MS-NLMP §4.2.4 (NTLMv2 authentication): user "User", domain "Domain", password
    /// "Password", server challenge 0123456789abcdef, client challenge aa×8, time 0, and the
    /// target information of §4.2.4.1.3 (NbDomainName "Domain", NbComputerName "Server").
    #[test]
    fn ms_nlmp_ntlmv2_test_vectors() {
        let ntowf = ntowf_v2("User", "Domain", "Password");
        assert_eq!(
            hex(&ntowf),
            "0c868a403bfd7a93a3001ef22ef02e3f",
            "NTOWFv2 (4.2.4.1.1)"
        );
        let ti = unhex("02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000");
        let server: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
        let r = ntlmv2_response(&ntowf, &server, &[0xaa; 8], 0, &ti);
        assert_eq!(
            hex(&r.lm),
            "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa",
            "LMv2 (4.2.4.2.1)"
        );
        assert_eq!(
            hex(&r.nt[..16]),
            "68cd0ab851e51c96aabc927bebef6a1c",
            "NTProofStr (4.2.4.2.2)"
        );
        assert_eq!(
            hex(&r.nt[16..]),
            "01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000\
             02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000\
             00000000",
            "temp"
        );
        assert_eq!(
            hex(&r.session_base_key),
            "8de40ccadbc14a82f15cb0ad0de95ca3",
            "SessionBaseKey (4.2.4.1.2)"
        );
        assert!(verify_ntlmv2(&ntowf, &server, &r.nt));
        assert!(!verify_ntlmv2(
            &ntowf_v2("User", "Domain", "wrong"),
            &server,
            &r.nt
        ));
    }

    #[test]
    fn user_forms() {
        assert_eq!(
            split_user("CONTOSO\\wsus"),
            ("wsus".into(), "CONTOSO".into())
        );
        assert_eq!(
            split_user("wsus@contoso.test"),
            ("wsus@contoso.test".into(), String::new())
        );
        assert_eq!(split_user("wsus"), ("wsus".into(), String::new()));
    }

    #[test]
    fn hostile_challenges_are_errors() {
        for token in [
            "",
            "!!!",
            "TlRMTVNTUAACAAAA",
            &"A".repeat(MAX_TOKEN + 1),
            &b64(&[0xff; 64]),
        ] {
            assert!(parse_challenge(token).is_err(), "{token:.20}");
        }
        // Squid's ntlm_fake_auth: TargetName offset is garbage, no TargetInfo flag.
        let fake = base64::engine::general_purpose::STANDARD
            .decode("TlRMTVNTUAACAAAACQAJAK6qqqoHggigfBSzizDYSKsAAAAAAAA6AFdPUktHUk9VUA==")
            .unwrap();
        let c = parse_challenge_bytes(&fake).unwrap();
        assert_eq!(
            c.server_challenge,
            [0x7c, 0x14, 0xb3, 0x8b, 0x30, 0xd8, 0x48, 0xab]
        );
        assert!(c.target_info.is_empty());
        // TargetInfo flagged but pointing outside the message.
        let mut m = fake.clone();
        m[22] |= 0x80;
        assert!(parse_challenge_bytes(&m).is_err());
        m.truncate(44);
        assert!(parse_challenge_bytes(&m).is_err());
        assert_eq!(av_timestamp(&[7, 0, 8, 0, 1]), None);
        assert_eq!(av_timestamp(&[7, 0, 8, 0, 1, 0, 0, 0, 0, 0, 0, 0]), Some(1));
    }
}
