//! Crashes per day as an inline SVG line chart: one point per day (with its
//! date and count as data attributes and a tooltip), a line through them,
//! the y axis from zero to the largest count, dates along the x axis.

use std::fmt::Write;

use chrono::NaiveDate;

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 36.0;

/// The chart of `days` (every day of the range, in order, zeros included).
pub fn per_day(days: &[(NaiveDate, u64)]) -> String {
    let max = days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |i: usize| {
        if days.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (days.len() - 1) as f64
        }
    };
    let y = |n: u64| TOP + plot_h - plot_h * n as f64 / max as f64;
    let mut svg = format!(
        "<svg class=\"chart\" id=\"crashes-per-day\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-label=\"Crashes per day\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    // Axes and the y scale: zero, half and the maximum.
    let _ = write!(
        svg,
        "<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{b}\" stroke=\"#9aa0a6\"/>\
         <line x1=\"{LEFT}\" y1=\"{b}\" x2=\"{r}\" y2=\"{b}\" stroke=\"#9aa0a6\"/>",
        b = TOP + plot_h,
        r = WIDTH - RIGHT
    );
    let mut ticks = vec![0, max];
    if max >= 2 {
        ticks.insert(1, max / 2);
    }
    for n in ticks {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{n}</text>\
             <line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"#eceff1\"/>",
            LEFT - 6.0,
            y(n) + 4.0,
            WIDTH - RIGHT,
            y = y(n)
        );
    }
    if !days.is_empty() {
        let points: Vec<String> = days
            .iter()
            .enumerate()
            .map(|(i, (_, n))| format!("{:.1},{:.1}", x(i), y(*n)))
            .collect();
        let _ = write!(
            svg,
            "<polyline fill=\"none\" stroke=\"#0b57d0\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        );
        // Date labels: about six, always the first and the last.
        let step = days.len().div_ceil(6).max(1);
        for (i, (day, _)) in days.iter().enumerate() {
            if i % step == 0 || i == days.len() - 1 {
                let anchor = match i {
                    0 if days.len() > 1 => "start",
                    i if i + 1 == days.len() && i > 0 => "end",
                    _ => "middle",
                };
                let _ = write!(
                    svg,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
                    x(i),
                    HEIGHT - 12.0,
                    day.format("%m-%d")
                );
            }
        }
        for (i, (day, n)) in days.iter().enumerate() {
            let _ = write!(
                svg,
                "<circle class=\"point\" data-date=\"{day}\" data-count=\"{n}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"#0b57d0\">\
                 <title>{day}: {n}</title></circle>",
                x(i),
                y(*n)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_point_per_day_scaled_to_the_maximum() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let svg = per_day(&[
            (d("2026-11-29"), 0),
            (d("2026-11-30"), 4),
            (d("2026-12-01"), 2),
        ]);
        assert_eq!(svg.matches("<circle class=\"point\"").count(), 3);
        assert!(svg.contains("data-date=\"2026-11-30\" data-count=\"4\""));
        // The largest count sits at the top of the plot, zero at the bottom.
        assert!(svg.contains(&format!("cy=\"{TOP:.1}\"")));
        assert!(svg.contains(&format!("cy=\"{:.1}\"", HEIGHT - BOTTOM)));
        assert!(per_day(&[]).ends_with("</svg>"));
    }
}
