//! Every read of a file, the environment or the terminal happens here, bounded and with a
//! one-line error (exit 2) naming the flag it came from.

use std::io::IsTerminal;
use std::path::Path;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use secrecy::SecretString;

use crate::error::{UsageError, usage};

/// The variable the proxy password is read from.
pub const PASSWORD_ENV: &str = "WSUSPROBE_PROXY_PASSWORD";

/// The most an input file (WSUS export, plan) may hold; CA bundles get four times as much.
pub const INPUT_LIMIT: u64 = 4 * 1024 * 1024;

/// Read a file named on the command line, refusing one larger than `limit` bytes (a wrong path
/// can name a disk image) with a one-line error.
pub fn read_input(path: &Path, flag: &str, limit: u64) -> Result<Vec<u8>, UsageError> {
    use std::io::Read;
    let shown = path.display();
    let cannot = |e: std::io::Error| UsageError(format!("{flag} {shown}: cannot read it: {e}"));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(UsageError(format!(
            "{flag} {shown}: larger than {} MiB; is it the right file?",
            limit / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// Where a proxy password comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// WSUSPROBE_PROXY_PASSWORD, else the terminal (asked without echo).
    Default,
    /// A variable the exporter's configuration names.
    Env(String),
    /// A file holding the password (a trailing line break is not part of it).
    File(std::path::PathBuf),
}

/// The proxy password for `user`, from `source`. Errors name the variable or file, never a value.
pub fn proxy_password(user: &str, source: &PasswordSource) -> Result<SecretString, UsageError> {
    match source {
        PasswordSource::Default => default_password(user),
        PasswordSource::Env(var) => match std::env::var(var) {
            Ok(p) if !p.is_empty() => Ok(SecretString::from(p)),
            _ => usage(format!(
                "proxy user {user}: password_env names {var}, which is not set (or empty)"
            )),
        },
        PasswordSource::File(path) => {
            let bytes = read_input(path, "password_file", 64 * 1024)?;
            let text = String::from_utf8(bytes).map_err(|_| {
                UsageError(format!("password_file {}: not UTF-8 text", path.display()))
            })?;
            let p = text.strip_suffix('\n').unwrap_or(&text);
            let p = p.strip_suffix('\r').unwrap_or(p);
            if p.is_empty() {
                return usage(format!(
                    "password_file {}: the file is empty",
                    path.display()
                ));
            }
            Ok(SecretString::from(p.to_string()))
        }
    }
}

/// WSUSPROBE_PROXY_PASSWORD, else asked on the terminal without echo.
fn default_password(user: &str) -> Result<SecretString, UsageError> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(SecretString::from(p));
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(format!("Proxy password for {user}: "))
            .map(SecretString::from)
            .map_err(|e| UsageError(format!("cannot read the proxy password: {e}")));
    }
    usage(format!(
        "--proxy-user {user}: set the password in {PASSWORD_ENV} (there is no terminal to ask on)"
    ))
}

/// A log file for `wsusprobe logs`, opened to be streamed (logs can be large: no size limit).
pub fn open_log(path: &Path) -> Result<std::fs::File, UsageError> {
    std::fs::File::open(path)
        .map_err(|e| UsageError(format!("{}: cannot open it: {e}", path.display())))
}

/// The proxy variables curl and most tools read (`--proxy-from-env`): each upper case first.
#[derive(Debug, Default)]
pub struct ProxyEnvironment {
    pub http: Option<String>,
    pub https: Option<String>,
    pub no_proxy: Option<String>,
}

pub fn proxy_environment() -> ProxyEnvironment {
    let var = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
    };
    ProxyEnvironment {
        http: var(&["HTTP_PROXY", "http_proxy"]),
        https: var(&["HTTPS_PROXY", "https_proxy"]),
        no_proxy: var(&["NO_PROXY", "no_proxy"]),
    }
}

/// Every certificate of every `--ca-file`, with the file it came from.
pub fn ca_files(
    paths: &[std::path::PathBuf],
) -> Result<Vec<(CertificateDer<'static>, String)>, UsageError> {
    let mut out = Vec::new();
    for path in paths {
        for cert in load_pem_certs(path)? {
            out.push((cert, path.display().to_string()));
        }
    }
    Ok(out)
}

fn load_pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, UsageError> {
    let shown = path.display();
    let data = read_input(path, "--ca-file", 4 * INPUT_LIMIT)?;
    let mut certs = Vec::new();
    for item in CertificateDer::pem_slice_iter(&data) {
        let cert =
            item.map_err(|e| UsageError(format!("--ca-file {shown}: not valid PEM: {e}")))?;
        if x509_parser::parse_x509_certificate(&cert).is_err() {
            return usage(format!(
                "--ca-file {shown}: a CERTIFICATE block does not hold a valid X.509 certificate"
            ));
        }
        certs.push(cert);
    }
    if certs.is_empty() {
        return usage(format!(
            "--ca-file {shown}: no '-----BEGIN CERTIFICATE-----' block found"
        ));
    }
    Ok(certs)
}

/// A TOML error on one line: `line N: what is wrong` (toml's own text spans several lines).
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {}", what.trim())
        }
        None => what.trim().to_string(),
    }
}

/// File arguments with wildcards expanded by wsusprobe itself (cmd.exe and PowerShell hand
/// `C:\…\*.log` over as written): an argument that names no file but holds `*` or `?` becomes the
/// files it matches, sorted; matching ignores case on Windows.
pub fn expand_wildcards(
    paths: &[std::path::PathBuf],
    flag: &str,
) -> Result<Vec<std::path::PathBuf>, UsageError> {
    let mut out = Vec::new();
    for path in paths {
        let text = path.to_string_lossy();
        if path.exists() || !text.contains(['*', '?']) {
            out.push(path.clone());
            continue;
        }
        let options = glob::MatchOptions {
            case_sensitive: !cfg!(windows),
            ..glob::MatchOptions::new()
        };
        let matched = glob::glob_with(&text, options)
            .map_err(|e| UsageError(format!("{flag} '{text}': not a valid wildcard: {e}")))?;
        let mut files: Vec<std::path::PathBuf> = matched
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect();
        if files.is_empty() {
            return usage(format!("{flag} '{text}' matches no file"));
        }
        files.sort();
        out.extend(files);
    }
    Ok(out)
}
