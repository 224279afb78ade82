//! `w3wp.exe.config`: does it turn on system-default TLS for IIS worker processes (the Catalog
//! import path, seed 002)?

use crate::knowledge::host::W3WP_SWITCH;

/// Whether the file sets `Switch.System.Net.DontEnableSystemDefaultTlsVersions=false` in
/// `configuration/runtime/AppContextSwitchOverrides`; an error for text that is not XML.
pub fn enables_system_tls(text: &str) -> Result<bool, String> {
    let doc = roxmltree::Document::parse(text.trim_start_matches('\u{feff}'))
        .map_err(|e| format!("not XML: {e}"))?;
    let root = doc.root_element();
    if !root.has_tag_name("configuration") {
        return Err(format!(
            "the root element is <{}>, not <configuration>",
            root.tag_name().name()
        ));
    }
    let set = root
        .children()
        .filter(|n| n.has_tag_name("runtime"))
        .flat_map(|r| r.children())
        .filter(|n| n.has_tag_name("AppContextSwitchOverrides"))
        .filter_map(|n| n.attribute("value"))
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .any(|(name, value)| {
            name.trim().eq_ignore_ascii_case(W3WP_SWITCH)
                && value.trim().eq_ignore_ascii_case("false")
        });
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_is_found_only_where_it_counts() {
        let good = r#"<?xml version="1.0" encoding="utf-8"?>
<configuration><runtime>
  <AppContextSwitchOverrides value="Switch.System.Net.DontEnableSchUseStrongCrypto=false;Switch.System.Net.DontEnableSystemDefaultTlsVersions=false"/>
</runtime></configuration>"#;
        assert_eq!(enables_system_tls(good), Ok(true));
        let commented = r#"<configuration><runtime><!-- <AppContextSwitchOverrides value="Switch.System.Net.DontEnableSystemDefaultTlsVersions=false"/> --></runtime></configuration>"#;
        assert_eq!(enables_system_tls(commented), Ok(false));
        let wrong = r#"<configuration><runtime><AppContextSwitchOverrides value="Switch.System.Net.DontEnableSystemDefaultTlsVersions=true"/></runtime></configuration>"#;
        assert_eq!(enables_system_tls(wrong), Ok(false));
        assert!(enables_system_tls("<configuration>").is_err());
        assert!(
            enables_system_tls("<other/>")
                .unwrap_err()
                .contains("<other>")
        );
    }
}
