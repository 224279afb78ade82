//! The inputs of `wsusprobe host` and `check --client-profile host`: `reg export` files, or the
//! live registry on Windows; and w3wp.exe.config (a file given, or the live one on Windows).

use std::path::{Path, PathBuf};

use crate::config::inputs;
use crate::error::{UsageError, usage};
use crate::host::{HostInputs, live, registry::Registry, w3wp};

/// Read the registry exports (or, with none, the live registry) and the w3wp configuration.
pub fn load(from_reg: &[PathBuf], w3wp_config: Option<&Path>) -> Result<HostInputs, UsageError> {
    let mut sources = Vec::new();
    let registry = if from_reg.is_empty() {
        sources.push("live registry (HKLM)".to_string());
        live::read().map_err(UsageError)?
    } else {
        let mut reg = Registry::default();
        for path in from_reg {
            let shown = path.display().to_string();
            let bytes = inputs::read_input(path, "--from-reg", inputs::INPUT_LIMIT)?;
            let text = crate::text::decode(&bytes)
                .map_err(|e| UsageError(format!("--from-reg {shown}: {e}")))?;
            reg.merge_reg(&text)
                .map_err(|e| UsageError(format!("--from-reg {shown}: {e}")))?;
            sources.push(shown);
        }
        reg
    };
    let live_config = from_reg.is_empty().then(live_w3wp_config).flatten();
    let w3wp_switch = match w3wp_config.map(Path::to_path_buf).or(live_config) {
        None => None,
        Some(path) => {
            let shown = path.display().to_string();
            match inputs::read_input(&path, "--w3wp-config", inputs::INPUT_LIMIT) {
                Ok(bytes) => {
                    let text = crate::text::decode(&bytes)
                        .map_err(|e| UsageError(format!("--w3wp-config {shown}: {e}")))?;
                    let on = w3wp::enables_system_tls(&text)
                        .map_err(|e| UsageError(format!("--w3wp-config {shown}: {e}")))?;
                    sources.push(shown);
                    Some(on)
                }
                // The live file may not exist: IIS worker processes then run with .NET's defaults.
                Err(_) if w3wp_config.is_none() => Some(false),
                Err(e) => return Err(e),
            }
        }
    };
    if registry.is_empty() && !registry.complete {
        return usage("--from-reg: the files hold no registry key");
    }
    Ok(HostInputs {
        sources,
        registry,
        w3wp_switch,
        wsus_proxy: None,
    })
}

/// `%SystemRoot%\System32\inetsrv\w3wp.exe.config` on Windows.
fn live_w3wp_config() -> Option<PathBuf> {
    if !cfg!(windows) {
        return None;
    }
    let root = std::env::var_os("SystemRoot").unwrap_or_else(|| r"C:\Windows".into());
    Some(Path::new(&root).join(r"System32\inetsrv\w3wp.exe.config"))
}
