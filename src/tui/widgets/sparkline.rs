//! Inline sparklines for LIST-of-number cells: `▁▂▃▄▅▆▇█`.

pub const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One bar per value (values averaged into `max_width` buckets when there are
/// more). Missing or non-finite values draw as a space; a flat series draws
/// mid-height bars.
pub fn sparkline(values: &[Option<f64>], max_width: usize) -> String {
    if values.is_empty() || max_width == 0 {
        return String::new();
    }
    let buckets: Vec<Option<f64>> = if values.len() <= max_width {
        values.to_vec()
    } else {
        (0..max_width)
            .map(|i| {
                let lo = i * values.len() / max_width;
                let hi = ((i + 1) * values.len() / max_width).max(lo + 1);
                let vals: Vec<f64> = values[lo..hi]
                    .iter()
                    .flatten()
                    .copied()
                    .filter(|v| v.is_finite())
                    .collect();
                (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
            })
            .collect()
    };
    let finite = buckets.iter().flatten().copied().filter(|v| v.is_finite());
    let (min, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    buckets
        .iter()
        .map(|v| match v {
            Some(v) if v.is_finite() => {
                if max > min {
                    let idx = ((v - min) / (max - min) * (BARS.len() - 1) as f64).round() as usize;
                    BARS[idx.min(BARS.len() - 1)]
                } else {
                    BARS[3]
                }
            }
            _ => ' ',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rising_series_uses_full_range() {
        let v: Vec<Option<f64>> = (0..8).map(|i| Some(i as f64)).collect();
        assert_eq!(sparkline(&v, 20), "▁▂▃▄▅▆▇█");
    }

    #[test]
    fn nulls_flat_and_downsampling() {
        assert_eq!(sparkline(&[Some(1.0), None, Some(3.0)], 10), "▁ █");
        assert_eq!(sparkline(&[Some(2.0), Some(2.0)], 10), "▄▄");
        let v: Vec<Option<f64>> = (0..100).map(|i| Some(i as f64)).collect();
        let s = sparkline(&v, 10);
        assert_eq!(s.chars().count(), 10);
        assert!(s.starts_with('▁') && s.ends_with('█'));
        assert_eq!(sparkline(&[], 5), "");
    }
}
