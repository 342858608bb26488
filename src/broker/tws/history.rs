//! Historical bars from TWS (`reqHistoricalData`), for backtests: parsing IB's
//! bar sizes and durations, planning requests IB accepts, downloading them
//! within IB's historical pacing rules, and writing the shared CSV format.
//!
//! Only the download itself does I/O; planning, conversion and formatting are
//! plain functions tested without a socket. Nothing here is on the trading hot
//! path, and nothing here places or cancels orders.

pub mod bars;
pub mod download;
pub mod output;
pub mod plan;
pub mod spec;

pub use bars::{format_row, merge_bars, write_csv, CSV_HEADER};
pub use download::{download, server_now, Download, DownloadOptions, HistoryError, HistoryRequest};
pub use output::{download_to_file, write_csv_atomically, RequestError, SaveError, Summary};
pub use plan::{plan_chunks, Chunk, ChunkPlan, ChunkWalk};
pub use spec::{DurationUnit, HistoryBarSize, HistoryDuration, SpecError};
