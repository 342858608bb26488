//! [`Feed`]: the bars of several files as one stream in the order the market
//! would have delivered them: by bar end, then by symbol (so two symbols'
//! bars closing at the same instant always come in the same order).
//!
//! It holds the next bar of each file and nothing else, so merging costs no
//! memory per bar. It must never hand out a bar after a problem: the first
//! bad row of any file ends the stream, and [`Feed::finish`] says what it was.
//!
//! [`Feed::read_ahead`] moves the reading to a thread of its own, handing
//! bars over in chunks of [`CHUNK`], so parsing overlaps the run on a second
//! core; the bars and their order are the same.

use std::io::BufRead;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};

use crate::backtest::csv::{BarReader, CsvError, SeriesInfo};
use crate::domain::types::{Bar, Symbol};

/// Bars per chunk handed from the reading thread to the run.
pub const CHUNK: usize = 4096;

/// Chunks filled ahead of the run at most (the memory read ahead is bounded).
const CHUNKS_AHEAD: usize = 4;

/// A bar with its merge key (end time, symbol), computed once.
type Keyed = ((DateTime<Utc>, Symbol), Bar);

/// Several opened bar files merged by (end time, symbol); an iterator of bars.
pub struct Feed<R> {
    readers: Vec<BarReader<R>>,
    /// The next bar of each reader with its sort key, once started.
    heads: Vec<Option<Keyed>>,
    started: bool,
    stopped: bool,
}

impl<R: BufRead> Feed<R> {
    /// Merges `readers`; equal keys (never met with one file per symbol)
    /// come in the order given.
    pub fn new(readers: Vec<BarReader<R>>) -> Self {
        Self {
            heads: Vec::with_capacity(readers.len()),
            readers,
            started: false,
            stopped: false,
        }
    }

    /// The files, in the order given.
    pub fn readers(&self) -> &[BarReader<R>] {
        &self.readers
    }

    /// About how many bars all files hold (see [`BarReader::estimated_bars`]).
    pub fn estimated_bars(&self) -> Option<u64> {
        self.readers.iter().map(BarReader::estimated_bars).sum()
    }

    /// Validates every file to its end and says what each held.
    ///
    /// # Errors
    /// The first file's error, in the order given (see [`BarReader::finish`]).
    pub fn finish(self) -> Result<Vec<SeriesInfo>, CsvError> {
        self.readers.into_iter().map(BarReader::finish).collect()
    }

    /// Reads on a thread of its own (see the module docs).
    pub fn read_ahead(mut self) -> ReadAhead
    where
        R: Send + 'static,
    {
        let (full, chunks) = sync_channel::<Vec<Bar>>(CHUNKS_AHEAD);
        let (spent, empties) = sync_channel::<Vec<Bar>>(CHUNKS_AHEAD + 2);
        let reading = std::thread::spawn(move || {
            loop {
                let mut chunk = empties
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
                chunk.clear();
                chunk.extend(self.by_ref().take(CHUNK));
                if chunk.is_empty() || full.send(chunk).is_err() {
                    break;
                }
            }
            self.finish()
        });
        ReadAhead {
            chunks,
            spent,
            current: Vec::new(),
            next: 0,
            reading,
        }
    }

    fn head(reader: &mut BarReader<R>) -> Option<Keyed> {
        reader.next_bar().map(|bar| ((bar.end(), bar.symbol), bar))
    }
}

impl<R: BufRead> Iterator for Feed<R> {
    type Item = Bar;

    fn next(&mut self) -> Option<Bar> {
        if let [only] = self.readers.as_mut_slice() {
            // One file: nothing to merge, no key to compute.
            return only.next_bar();
        }
        if !self.started {
            self.started = true;
            self.heads = self.readers.iter_mut().map(Self::head).collect();
            self.stopped = self.readers.iter().any(BarReader::failed);
        }
        if self.stopped {
            return None;
        }
        let mut best: Option<usize> = None;
        for (i, head) in self.heads.iter().enumerate() {
            if let Some((key, _)) = head {
                if best.is_none_or(|b| self.heads[b].as_ref().is_some_and(|(k, _)| key < k)) {
                    best = Some(i);
                }
            }
        }
        let i = best?;
        let (_, bar) = self.heads[i].take()?;
        self.heads[i] = Self::head(&mut self.readers[i]);
        self.stopped = self.readers[i].failed();
        Some(bar)
    }
}

/// A [`Feed`] read on its own thread ([`Feed::read_ahead`]); an iterator of
/// the same bars in the same order.
pub struct ReadAhead {
    chunks: Receiver<Vec<Bar>>,
    /// Chunks handed back for reuse.
    spent: SyncSender<Vec<Bar>>,
    current: Vec<Bar>,
    /// Index of the next bar in `current`.
    next: usize,
    reading: JoinHandle<Result<Vec<SeriesInfo>, CsvError>>,
}

impl ReadAhead {
    /// Stops the reading thread, which validates every file to its end
    /// ([`Feed::finish`]), and returns its answer.
    ///
    /// # Errors
    /// As [`Feed::finish`].
    pub fn finish(self) -> Result<Vec<SeriesInfo>, CsvError> {
        let Self {
            chunks, reading, ..
        } = self;
        drop(chunks);
        reading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

impl Iterator for ReadAhead {
    type Item = Bar;

    fn next(&mut self) -> Option<Bar> {
        if self.next == self.current.len() {
            let chunk = self.chunks.recv().ok()?;
            let spent = std::mem::replace(&mut self.current, chunk);
            // The reader may have stopped; a chunk not taken back is dropped.
            let _ = self.spent.try_send(spent);
            self.next = 0;
        }
        let bar = self.current.get(self.next).copied();
        self.next += 1;
        bar
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::backtest::csv::LoadOptions;

    /// A reader over rows of `symbol` starting at the given hours of
    /// 2021-03-01 (UTC), `seconds` long each.
    fn reader(symbol: &str, seconds: u32, hours: &[u32]) -> BarReader<Cursor<Vec<u8>>> {
        let mut text = String::from("timestamp,open,high,low,close,volume\n");
        for h in hours {
            text.push_str(&format!("2021-03-01T{h:02}:00:00+00:00,1,1,1,1,0\n"));
        }
        let options = LoadOptions {
            seconds: Some(seconds),
            ..LoadOptions::default()
        };
        BarReader::open(
            &format!("{symbol}.csv"),
            Cursor::new(text.into_bytes()),
            Symbol::new(symbol).unwrap(),
            &options,
        )
        .unwrap()
    }

    #[test]
    fn interleaves_by_end_time_then_symbol() {
        let spy = reader("SPY", 3600, &[0, 1, 2]);
        let qqq = reader("QQQ", 7200, &[0, 2]);
        let order: Vec<(String, u32)> = Feed::new(vec![spy, qqq])
            .map(|b| {
                (
                    b.symbol.to_string(),
                    (b.end().timestamp() % 86_400 / 3600) as u32,
                )
            })
            .collect();
        let expected = [("SPY", 1), ("QQQ", 2), ("SPY", 2), ("SPY", 3), ("QQQ", 4)];
        assert_eq!(
            order,
            expected
                .iter()
                .map(|(s, h)| (s.to_string(), *h))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_bad_row_after_the_read_ahead_ends_the_stream_and_finish_names_it() {
        // INFER_ROWS good rows, then a bad one: opening succeeds, the bad row
        // is met while streaming.
        let mut text = String::from("timestamp,open,high,low,close,volume\n");
        let start = DateTime::parse_from_rfc3339("2021-03-01T00:00:00Z").unwrap();
        let rows = crate::backtest::csv::INFER_ROWS + 10;
        for i in 0..rows {
            let t = (start + chrono::Duration::minutes(i as i64)).to_rfc3339();
            let close = if i == rows - 5 { "x" } else { "1" };
            text.push_str(&format!("{t},1,1,1,{close},0\n"));
        }
        let spy = Symbol::new("SPY").unwrap();
        let bad = BarReader::open("SPY.csv", text.as_bytes(), spy, &LoadOptions::default());
        let mut feed = Feed::new(vec![bad.unwrap()]);
        let handed_out = feed.by_ref().count();
        // Rows 1 .. rows − 6 (lines 2 .. rows − 5) are good; none after the bad one.
        assert_eq!(handed_out, rows - 5);
        let line = rows - 5 + 2;
        assert_eq!(
            feed.finish().unwrap_err().to_string(),
            format!("SPY.csv:{line}: close = \"x\": not a number")
        );
    }

    #[test]
    fn reading_ahead_on_a_thread_gives_the_same_bars_and_the_same_error() {
        let start = DateTime::parse_from_rfc3339("2021-03-01T00:00:00Z").unwrap();
        let rows = crate::backtest::csv::INFER_ROWS + 2 * CHUNK + 10;
        let file = |bad: Option<usize>| {
            let mut text = String::from("timestamp,open,high,low,close,volume\n");
            for i in 0..rows {
                let t = (start + chrono::Duration::minutes(i as i64)).to_rfc3339();
                let close = if Some(i) == bad { "-1" } else { "1" };
                text.push_str(&format!("{t},1,1,1,{close},{i}\n"));
            }
            let spy = Symbol::new("SPY").unwrap();
            let options = LoadOptions::default();
            Feed::new(vec![BarReader::open(
                "SPY.csv",
                Cursor::new(text.into_bytes()),
                spy,
                &options,
            )
            .unwrap()])
        };
        let mut plain = file(None);
        let mut ahead = file(None).read_ahead();
        let (a, b): (Vec<Bar>, Vec<Bar>) = (plain.by_ref().collect(), ahead.by_ref().collect());
        assert_eq!(a.len(), rows);
        assert_eq!(a, b);
        assert_eq!(plain.finish().unwrap(), ahead.finish().unwrap());

        let bad = rows - 3;
        let mut ahead = file(Some(bad)).read_ahead();
        assert_eq!(ahead.by_ref().count(), bad);
        assert_eq!(
            ahead.finish().unwrap_err().to_string(),
            format!(
                "SPY.csv:{}: close = \"-1\": must be greater than 0",
                bad + 2
            )
        );
    }
}
