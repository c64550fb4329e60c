//! The few HTML pages of the local stack: one layout, escaped text.

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// A whole page. `head_extra` is trusted markup (e.g. a refresh tag).
pub fn page(title: &str, head_extra: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head_extra}
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #1d232b; }}
  h1 {{ font-size: 1.4rem; }}
  label {{ display: block; margin: .6rem 0 .2rem; font-weight: 600; }}
  input, select {{ width: 100%; padding: .45rem; font-size: 1rem; box-sizing: border-box; }}
  input[type=checkbox] {{ width: auto; }}
  button {{ margin-top: 1rem; padding: .6rem 1.2rem; font-size: 1rem; }}
  .banner {{ background: #fff4ce; padding: .5rem .8rem; border-radius: .3rem; }}
  .status {{ font-size: 1.6rem; font-weight: 700; }}
  code {{ background: #eef1f4; padding: 0 .2rem; }}
  figure {{ display: inline-block; margin: .3rem; text-align: center; }}
</style>
</head>
<body>
{body}
</body>
</html>
"#,
        title = escape(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">O'Neil & co</a>"#),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;"
        );
    }
}
