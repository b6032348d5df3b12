//! A buffer as text with ANSI colours (`dashboard render --format ansi`): one
//! SGR sequence where the style changes, a reset at every line end, so the
//! output can be mailed or paged with `less -R`.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

fn color(c: Color, fg: bool) -> Option<String> {
    let base = if fg { 30 } else { 40 };
    let named = |n: u8| Some(format!("{}", base + n));
    let bright = |n: u8| Some(format!("{}", base + 60 + n));
    match c {
        Color::Reset => None,
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => bright(0),
        Color::LightRed => bright(1),
        Color::LightGreen => bright(2),
        Color::LightYellow => bright(3),
        Color::LightBlue => bright(4),
        Color::LightMagenta => bright(5),
        Color::LightCyan => bright(6),
        Color::White => bright(7),
        Color::Indexed(i) => Some(format!("{};5;{i}", base + 8)),
        Color::Rgb(r, g, b) => Some(format!("{};2;{r};{g};{b}", base + 8)),
    }
}

fn sgr(fg: Color, bg: Color, m: Modifier) -> String {
    let mut parts = vec!["0".to_string()];
    for (flag, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::REVERSED, "7"),
    ] {
        if m.contains(flag) {
            parts.push(code.into());
        }
    }
    parts.extend(color(fg, true));
    parts.extend(color(bg, false));
    format!("\x1b[{}m", parts.join(";"))
}

/// The buffer as lines with colour codes (trailing blanks kept styled only
/// where they have a background).
pub fn to_ansi(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut last: Option<(Color, Color, Modifier)> = None;
        let mut line = String::new();
        let mut plain_len = 0;
        for x in area.left()..area.right() {
            let cell = &buf[(x, y)];
            let key = (cell.fg, cell.bg, cell.modifier);
            if last != Some(key) {
                line.push_str(&sgr(cell.fg, cell.bg, cell.modifier));
                last = Some(key);
            }
            line.push_str(cell.symbol());
            if cell.symbol() != " " || cell.bg != Color::Reset {
                plain_len = line.len();
            }
        }
        line.truncate(plain_len);
        out.push_str(&line);
        out.push_str("\x1b[0m\n");
    }
    out
}
