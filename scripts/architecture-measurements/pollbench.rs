//! What one tick of `start`'s wait loop costs, blocking (as in src/commands/start.rs) vs tokio.
//! Per tick: read + parse both connection files and the hub's engine-state file, try_wait every
//! child (controller + engines), build the progress line. Runs for SECS seconds at a 20 ms tick
//! and prints CPU (user+sys, all threads) per tick.
//! Usage: pollbench MODE SECS DIR CLUSTER_ID NCHILD   (MODE: std | tokio | tokio-fs)
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rcluster::connection;

const TICK: Duration = Duration::from_millis(20);

fn cpu_and_rss() -> (f64, i64) {
    let mut ru: nix::libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { nix::libc::getrusage(nix::libc::RUSAGE_SELF, &mut ru) };
    let t = |tv: nix::libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (t(ru.ru_utime) + t(ru.ru_stime), ru.ru_maxrss)
}

struct Files {
    engine: PathBuf,
    client: PathBuf,
    log_dir: PathBuf,
    id: String,
}

fn line(registered: usize, n: usize) -> String {
    format!("engines {registered}/{n} registered")
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (mode, secs, dir, id, nchild) = (
        a[1].clone(),
        a[2].parse::<f64>().unwrap(),
        PathBuf::from(&a[3]),
        a[4].clone(),
        a[5].parse::<usize>().unwrap(),
    );
    let files = Files {
        engine: connection::connection_file(&dir.join("security"), &id, "engine"),
        client: connection::connection_file(&dir.join("security"), &id, "client"),
        log_dir: dir.join("log"),
        id,
    };
    assert!(connection::read_complete(&files.engine).is_some(), "engine file");
    let dur = Duration::from_secs_f64(secs);
    let (cpu0, _) = cpu_and_rss();
    let ticks = match mode.as_str() {
        "std" => run_std(&files, dur, nchild),
        "tokio" | "tokio-fs" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(run_tokio(&files, dur, nchild, mode == "tokio-fs")),
        _ => panic!("mode"),
    };
    let (cpu1, rss) = cpu_and_rss();
    let cpu = cpu1 - cpu0;
    println!(
        "{mode}: {ticks} ticks in {secs} s, CPU {:.1} ms total, {:.1} us/tick, {:.3} % of a core, maxrss {} kB",
        cpu * 1e3,
        cpu * 1e6 / ticks as f64,
        cpu / secs * 100.0,
        rss
    );
}

fn run_std(f: &Files, dur: Duration, nchild: usize) -> u64 {
    let mut children: Vec<std::process::Child> = (0..nchild)
        .map(|_| std::process::Command::new("sleep").arg("1000").spawn().unwrap())
        .collect();
    let end = Instant::now() + dur;
    let mut ticks = 0;
    let mut reported = String::new();
    while Instant::now() < end {
        let e = connection::read_complete(&f.engine);
        let c = connection::read_complete(&f.client);
        let r = connection::registered_engines(&f.log_dir, &f.id).unwrap_or(0);
        let alive = children.iter_mut().all(|c| matches!(c.try_wait(), Ok(None)));
        let l = line(r, 1000);
        if l != reported {
            reported = l;
        }
        std::hint::black_box((e, c, alive));
        ticks += 1;
        std::thread::sleep(TICK);
    }
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
    ticks
}

async fn read_complete_async(path: &Path) -> Option<String> {
    let text = tokio::fs::read_to_string(path).await.ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value.get("registration")?;
    Some(text)
}

async fn run_tokio(f: &Files, dur: Duration, nchild: usize, async_fs: bool) -> u64 {
    let mut children: Vec<tokio::process::Child> = (0..nchild)
        .map(|_| tokio::process::Command::new("sleep").arg("1000").spawn().unwrap())
        .collect();
    let mut interval = tokio::time::interval(TICK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).unwrap();
    let end = tokio::time::Instant::now() + dur;
    let mut ticks = 0;
    let mut reported = String::new();
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = sigint.recv() => break,
            _ = tokio::time::sleep_until(end) => break,
        }
        let (e, c) = if async_fs {
            (read_complete_async(&f.engine).await, read_complete_async(&f.client).await)
        } else {
            (connection::read_complete(&f.engine), connection::read_complete(&f.client))
        };
        let r = if async_fs {
            let path = connection::engine_state_file(&f.log_dir, &f.id);
            tokio::fs::read_to_string(path)
                .await
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|v| v.get("engines")?.as_object().map(|o| o.len()))
                .unwrap_or(0)
        } else {
            connection::registered_engines(&f.log_dir, &f.id).unwrap_or(0)
        };
        let alive = children.iter_mut().all(|c| matches!(c.try_wait(), Ok(None)));
        let l = line(r, 1000);
        if l != reported {
            reported = l;
        }
        std::hint::black_box((e, c, alive));
        ticks += 1;
    }
    for mut c in children {
        let _ = c.kill().await;
    }
    ticks
}
