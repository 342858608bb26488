//! Chunk plans and walks for hand-picked bar sizes and durations (now = 2024-03-15 20:00 UTC).

use chrono::TimeZone;

use super::*;

fn bar(text: &str) -> HistoryBarSize {
    HistoryBarSize::parse(text).unwrap()
}

fn dur(text: &str) -> HistoryDuration {
    HistoryDuration::parse(text).unwrap()
}

fn durs(texts: &[&str]) -> Vec<HistoryDuration> {
    texts.iter().map(|t| dur(t)).collect()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 15, 20, 0, 0).unwrap()
}

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn plan(bar_size: &str, total: &str) -> ChunkPlan {
    plan_chunks(bar(bar_size), dur(total), now())
}

#[test]
fn a_duration_within_the_limit_is_one_request_as_given() {
    assert_eq!(plan("5 mins", "5D"), ChunkPlan::Exact(durs(&["5 D"])));
    assert_eq!(plan("1 min", "3600S"), ChunkPlan::Exact(durs(&["3600 S"])));
    assert_eq!(plan("1 day", "3M"), ChunkPlan::Exact(durs(&["3 M"])));
    assert_eq!(plan("1 hour", "1W"), ChunkPlan::Exact(durs(&["1 W"])));
    assert_eq!(plan("1 day", "1Y"), ChunkPlan::Exact(durs(&["1 Y"])));
}

#[test]
fn days_of_minute_bars_are_one_day_each() {
    assert_eq!(
        plan("1 min", "5D"),
        ChunkPlan::Exact(durs(&["1 D", "1 D", "1 D", "1 D", "1 D"]))
    );
    assert_eq!(
        plan("2 mins", "3D"),
        ChunkPlan::Exact(durs(&["2 D", "1 D"]))
    );
}

#[test]
fn days_are_counted_as_sessions_against_weeks_and_months() {
    // 1 W holds 5 sessions, 1 M holds 20.
    assert_eq!(
        plan("5 mins", "7D"),
        ChunkPlan::Exact(durs(&["5 D", "2 D"]))
    );
    assert_eq!(
        plan("1 hour", "30D"),
        ChunkPlan::Exact(durs(&["20 D", "10 D"]))
    );
}

#[test]
fn same_unit_and_years_in_months_split_exactly() {
    assert_eq!(
        plan("5 mins", "3W"),
        ChunkPlan::Exact(durs(&["1 W", "1 W", "1 W"]))
    );
    assert_eq!(
        plan("1 day", "3Y"),
        ChunkPlan::Exact(durs(&["1 Y", "1 Y", "1 Y"]))
    );
    assert_eq!(
        plan("1 secs", "7200S"),
        ChunkPlan::Exact(durs(&["1800 S"; 4]))
    );
    assert_eq!(
        plan("1 secs", "2000S"),
        ChunkPlan::Exact(durs(&["1800 S", "200 S"]))
    );
    assert_eq!(plan("1 hour", "2Y"), ChunkPlan::Exact(durs(&["1 M"; 24])));
}

#[test]
fn units_that_do_not_divide_walk_to_a_calendar_cutoff() {
    assert_eq!(
        plan("1 min", "1M"),
        ChunkPlan::Until {
            step: dur("1 D"),
            cutoff: at(2024, 2, 15, 20, 0)
        }
    );
    assert_eq!(
        plan("5 mins", "2M"),
        ChunkPlan::Until {
            step: dur("1 W"),
            cutoff: at(2024, 1, 15, 20, 0)
        }
    );
    assert_eq!(
        plan("1 day", "13M"),
        ChunkPlan::Until {
            step: dur("1 Y"),
            // Midnight New York (EST) of the day 13 months back.
            cutoff: at(2023, 2, 15, 5, 0)
        }
    );
    assert_eq!(
        plan("30 secs", "2D"),
        ChunkPlan::Until {
            step: dur("28800 S"),
            cutoff: at(2024, 3, 13, 20, 0)
        }
    );
    assert_eq!(
        plan("1 min", "1Y"),
        ChunkPlan::Until {
            step: dur("1 D"),
            cutoff: at(2023, 3, 15, 20, 0)
        }
    );
    assert_eq!(
        plan("1 min", "2W"),
        ChunkPlan::Until {
            step: dur("1 D"),
            cutoff: at(2024, 3, 1, 20, 0)
        }
    );
}

#[test]
fn an_exact_walk_ends_each_request_at_the_previous_earliest_bar() {
    let mut walk = ChunkWalk::new(plan("1 min", "3D"));
    assert_eq!(
        walk.next_chunk(),
        Some(Chunk {
            end: None,
            duration: dur("1 D")
        })
    );
    let t1 = at(2024, 3, 15, 13, 30);
    walk.chunk_done(Some(t1));
    assert_eq!(
        walk.next_chunk(),
        Some(Chunk {
            end: Some(t1),
            duration: dur("1 D")
        })
    );
    let t2 = at(2024, 3, 14, 13, 30);
    walk.chunk_done(Some(t2));
    assert_eq!(walk.next_chunk().map(|c| c.end), Some(Some(t2)));
    walk.chunk_done(Some(at(2024, 3, 13, 13, 30)));
    assert_eq!(walk.next_chunk(), None);
    assert_eq!(walk.chunks_done(), 3);
    assert_eq!(walk.cutoff(), None);
}

#[test]
fn an_empty_chunk_ends_the_walk() {
    let mut walk = ChunkWalk::new(plan("1 min", "5D"));
    walk.chunk_done(Some(at(2024, 3, 15, 13, 30)));
    walk.chunk_done(None);
    assert_eq!(walk.next_chunk(), None);
    assert_eq!(walk.chunks_done(), 1);
}

#[test]
fn a_chunk_without_older_bars_ends_the_walk() {
    let mut walk = ChunkWalk::new(plan("1 min", "5D"));
    let t1 = at(2024, 3, 15, 13, 30);
    walk.chunk_done(Some(t1));
    walk.chunk_done(Some(t1));
    assert_eq!(walk.next_chunk(), None);
}

#[test]
fn a_cutoff_walk_stops_once_a_chunk_reaches_the_cutoff() {
    let mut walk = ChunkWalk::new(plan("1 min", "1M"));
    let cutoff = at(2024, 2, 15, 20, 0);
    assert_eq!(walk.cutoff(), Some(cutoff));
    walk.chunk_done(Some(at(2024, 2, 16, 14, 30)));
    assert!(walk.next_chunk().is_some(), "still after the cutoff");
    walk.chunk_done(Some(cutoff));
    assert_eq!(
        walk.next_chunk(),
        None,
        "reaching the cutoff exactly is enough"
    );
    assert_eq!(walk.chunks_done(), 2);
}

#[test]
fn the_cutoff_moves_back_to_the_start_of_its_bar() {
    let odd_now = Utc.with_ymd_and_hms(2024, 3, 15, 20, 7, 31).unwrap();
    let cutoff = |bar_size: &str, total: &str| match plan_chunks(bar(bar_size), dur(total), odd_now)
    {
        ChunkPlan::Until { cutoff, .. } => cutoff,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        cutoff("1 min", "1M"),
        Utc.with_ymd_and_hms(2024, 2, 15, 20, 7, 0).unwrap()
    );
    assert_eq!(
        cutoff("5 mins", "2M"),
        Utc.with_ymd_and_hms(2024, 1, 15, 20, 5, 0).unwrap()
    );
    // Daily bars: midnight New York (EST, UTC-5) of 2023-02-15.
    assert_eq!(
        cutoff("1 day", "13M"),
        Utc.with_ymd_and_hms(2023, 2, 15, 5, 0, 0).unwrap()
    );
}
