//! The HTML page: one self-contained file, the template `graph/page.html` with the graph (the
//! JSON schema plus positions from [`super::layout`]) and the sigma.js bundle
//! `graph/dist/graph.min.js` (built by `graph/build.mjs`) inlined. Its Content-Security-Policy
//! forbids every network request, so what opens on a plane is what opens at a desk.

use std::io::{self, Write};

use super::Graph;
use super::layout::layout;
use super::write::json_compact;

const TEMPLATE: &str = include_str!("../../graph/page.html");
const BUNDLE: &str = include_str!("../../graph/dist/graph.min.js");

/// Text safe inside `<script type="application/json">` and `<title>`: the JSON escapes for `<`,
/// `>` and `&` are still JSON, and no `</script>` or `<!--` can end or bend the element.
fn json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            // Line and paragraph separators are valid JSON but were not valid JavaScript in
            // older engines; escaping keeps the payload readable by both.
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn html_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Write the page for `graph` of the vault at `root` (shown as `name`).
pub fn page(graph: &Graph, root: &str, name: &str, out: &mut dyn Write) -> io::Result<()> {
    let started = std::time::Instant::now();
    let positions = layout(graph);
    tracing::debug!(
        "graph: laid out {} nodes in {:?}",
        graph.nodes.len(),
        started.elapsed()
    );
    let mut layout_json = String::with_capacity(positions.len() * 14 + 2);
    layout_json.push('[');
    for (i, (x, y)) in positions.iter().enumerate() {
        if i > 0 {
            layout_json.push(',');
        }
        // Two decimals of a unit edge length: finer than a pixel at any zoom a person uses.
        layout_json.push_str(&format!("{},{}", round2(*x), round2(*y)));
    }
    layout_json.push(']');
    let vault = serde_json::to_string(name).expect("strings serialise");
    let payload = format!(
        r#"{{"vault":{vault},"graph":{},"layout":{layout_json}}}"#,
        json_compact(graph, root)
    );
    let (head, rest) = TEMPLATE
        .split_once("<!--NOTEGRAPH_TITLE-->")
        .expect("the template has a title slot");
    let (middle, rest) = rest
        .split_once("<!--NOTEGRAPH_DATA-->")
        .expect("the template has a data slot");
    let (before_script, tail) = rest
        .split_once("<!--NOTEGRAPH_SCRIPT-->")
        .expect("the template has a script slot");
    out.write_all(head.as_bytes())?;
    out.write_all(html_text(&format!("notegraph — {name}")).as_bytes())?;
    out.write_all(middle.as_bytes())?;
    out.write_all(json_for_script(&payload).as_bytes())?;
    out.write_all(before_script.as_bytes())?;
    out.write_all(BUNDLE.as_bytes())?;
    out.write_all(tail.as_bytes())
}

/// `x` to two decimals, without `-0` or a trailing `.0` (fewer bytes in a 50k-node page).
fn round2(x: f32) -> String {
    let r = (x as f64 * 100.0).round() / 100.0;
    if r == 0.0 || !r.is_finite() {
        "0".to_string()
    } else {
        format!("{r}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_cannot_end_its_script_element() {
        let lower = BUNDLE.to_ascii_lowercase();
        assert!(!lower.contains("</script"));
        assert!(!lower.contains("<!--"));
    }

    #[test]
    fn note_names_cannot_end_the_data_element() {
        assert_eq!(
            json_for_script("{\"title\":\"</script><!-- & \u{2028}\"}"),
            r#"{"title":"\u003c/script\u003e\u003c!-- \u0026 \u2028"}"#
        );
    }

    #[test]
    fn coordinates_are_short() {
        assert_eq!(round2(-0.001), "0");
        assert_eq!(round2(1.0), "1");
        assert_eq!(round2(-3.14159), "-3.14");
    }
}
