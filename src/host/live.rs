//! The live registry of the Windows host wsusprobe runs on. Elsewhere there is none: `host` then
//! needs `--from-reg` files.

use super::registry::Registry;

/// Read the keys `host` judges from the live registry (HKLM, 64-bit view, WOW6432Node where a
/// path names it).
#[cfg(windows)]
pub fn read() -> Result<Registry, String> {
    windows::read()
}

/// WinHTTP's machine proxy, read from the live `WinHttpSettings` (Windows only; `None` when
/// unset, unreadable, or elsewhere).
#[cfg(windows)]
pub fn winhttp_proxy() -> Option<super::winhttp::WinHttpProxy> {
    windows::winhttp_proxy()
}

#[cfg(not(windows))]
pub fn winhttp_proxy() -> Option<super::winhttp::WinHttpProxy> {
    None
}

#[cfg(not(windows))]
pub fn read() -> Result<Registry, String> {
    Err(
        "the live registry exists only on Windows: give the exports with --from-reg FILE \
         (reg export on the WSUS server writes them)"
            .into(),
    )
}

#[cfg(windows)]
mod windows {
    use winreg::RegKey;
    use winreg::enums::{HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_64KEY, RegType};

    use super::super::registry::{RegValue, Registry};
    use crate::knowledge::host as facts;

    /// The subtrees read, each with the depth of keys beneath it that matters (CurrentVersion
    /// holds thousands of unrelated keys: only its own values are read).
    fn roots() -> Vec<(&'static str, usize)> {
        let mut r = vec![
            (facts::SCHANNEL, 4),
            (facts::CIPHER_POLICY_ROOT, 4),
            (facts::CURRENT_VERSION, 0),
            (facts::WINHTTP_CONNECTIONS, 0),
            (facts::AUTHROOT_POLICY_ROOT, 1),
        ];
        r.extend(facts::DOTNET_VIEWS.iter().map(|(_, root, _)| (*root, 1)));
        r
    }

    pub fn read() -> Result<Registry, String> {
        let hklm = RegKey::predef(HKEY_LOCAL_MACHINE);
        let mut reg = Registry::default();
        reg.complete = true;
        for (root, depth) in roots() {
            let sub = root.strip_prefix(r"HKLM\").unwrap_or(root);
            if let Ok(key) = hklm.open_subkey_with_flags(sub, KEY_READ | KEY_WOW64_64KEY) {
                walk(&key, root, &mut reg, depth);
            }
        }
        // Installed packages: only the names matter (thousands of keys, no values needed).
        let cbs = facts::CBS_PACKAGES;
        if let Ok(key) = hklm.open_subkey_with_flags(
            cbs.strip_prefix(r"HKLM\").unwrap_or(cbs),
            KEY_READ | KEY_WOW64_64KEY,
        ) {
            for name in key.enum_keys().flatten() {
                if name.contains("KB40227") {
                    reg.add_key(&format!(r"{cbs}\{name}"));
                }
            }
        }
        Ok(reg)
    }

    pub fn winhttp_proxy() -> Option<super::super::winhttp::WinHttpProxy> {
        let key = facts::WINHTTP_CONNECTIONS;
        let hklm = RegKey::predef(HKEY_LOCAL_MACHINE);
        let k = hklm
            .open_subkey_with_flags(
                key.strip_prefix(r"HKLM\").unwrap_or(key),
                KEY_READ | KEY_WOW64_64KEY,
            )
            .ok()?;
        let value = k.get_raw_value(facts::WINHTTP_SETTINGS).ok()?;
        super::super::winhttp::parse(&value.bytes).ok()
    }

    /// `key`'s values, and its subkeys' down to `depth` levels.
    fn walk(key: &RegKey, path: &str, reg: &mut Registry, depth: usize) {
        reg.add_key(path);
        for (name, value) in key.enum_values().flatten() {
            let v = match value.vtype {
                RegType::REG_DWORD => u32::from_reg_value(&value).ok().map(RegValue::Dword),
                RegType::REG_QWORD => u64::from_reg_value(&value).ok().map(RegValue::Qword),
                RegType::REG_SZ | RegType::REG_EXPAND_SZ => {
                    String::from_reg_value(&value).ok().map(RegValue::Sz)
                }
                RegType::REG_MULTI_SZ => Vec::<String>::from_reg_value(&value)
                    .ok()
                    .map(RegValue::MultiSz),
                _ => Some(RegValue::Binary(value.bytes.clone())),
            };
            if let Some(v) = v {
                reg.set(path, &name, v);
            }
        }
        if depth == 0 {
            return;
        }
        for sub in key.enum_keys().flatten() {
            if let Ok(child) = key.open_subkey_with_flags(&sub, KEY_READ | KEY_WOW64_64KEY) {
                walk(&child, &format!(r"{path}\{sub}"), reg, depth - 1);
            }
        }
    }

    use winreg::types::FromRegValue;
}
