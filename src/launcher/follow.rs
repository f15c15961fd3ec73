//! Following files on another host (`logs -f`): one long-lived local process per host (ssh)
//! that runs `tail -F` there, and whose standard input holds the host's side open. Closing it,
//! or this process dying, ends the tail there, so nothing is left on the host.
//!
//! Two reader threads per host turn its output into [`Followed`] events: tail's own
//! `==> path <==` headers become the `path` of each piece of text, so the caller can print
//! them under headers of its own.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, ExitStatus};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

/// The line a follow script writes to its standard error once it runs on the host: what came
/// before is the connection's (ssh's) to say, what comes after is tail's.
pub const STARTED: &str = "rcluster-follow-started";

/// What a host's follower said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Followed {
    /// Text appended to (or, at first, already in) the file `path`.
    Text { path: String, bytes: Vec<u8> },
    /// The script runs on the host: the connection works.
    Started,
    /// A line on standard error: the connection's (before [`Followed::Started`]) or tail's
    /// (a file that cannot be read, was removed, or reappeared).
    Said(String),
}

enum Event {
    Followed(Followed),
    /// One of the two pipes reached its end.
    Closed,
}

/// One host's files followed, until [`Follower::close`] (or drop).
pub struct Follower {
    host: String,
    child: Child,
    stdin: Option<ChildStdin>,
    events: Receiver<Event>,
    /// Pipes (stdout, stderr) still open.
    open_pipes: u8,
    ended: Option<ExitStatus>,
}

impl Follower {
    /// Follows what `child` prints: `tail -v -F` of `paths` on `host`, with [`STARTED`] on its
    /// standard error first. `stdin` is the pipe that keeps the host's side running.
    pub fn new(host: &str, mut child: Child, stdin: ChildStdin, paths: &[String]) -> Follower {
        let (sender, events) = mpsc::channel();
        let mut open_pipes = 0;
        if let Some(stdout) = child.stdout.take() {
            open_pipes += 1;
            let sender = sender.clone();
            let parser = TailParser::new(paths.to_vec());
            std::thread::spawn(move || read_text(stdout, parser, sender));
        }
        if let Some(stderr) = child.stderr.take() {
            open_pipes += 1;
            std::thread::spawn(move || read_lines(stderr, sender));
        }
        Follower {
            host: host.to_string(),
            child,
            stdin: Some(stdin),
            events,
            open_pipes,
            ended: None,
        }
    }

    /// The host as the user named it.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// What arrived since the last call.
    pub fn take(&mut self) -> Vec<Followed> {
        let mut out = Vec::new();
        while let Ok(event) = self.events.try_recv() {
            match event {
                Event::Followed(followed) => out.push(followed),
                Event::Closed => self.open_pipes = self.open_pipes.saturating_sub(1),
            }
        }
        out
    }

    /// How the connection ended, once it has and everything it said was taken.
    pub fn ended(&mut self) -> Option<ExitStatus> {
        if self.ended.is_none() && self.open_pipes == 0 {
            self.ended = self.child.try_wait().ok().flatten();
        }
        self.ended
    }

    /// Closes the host's standard input: the script there ends its tail, and the connection
    /// ends.
    pub fn close(&mut self) {
        self.stdin = None;
    }

    /// Waits until `deadline` for the connection to end after [`Follower::close`], then kills
    /// it (the host's side ends with the connection too). Whether it ended on its own.
    pub fn wait_until(&mut self, deadline: Instant) -> bool {
        self.close();
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => return true,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return false;
                }
            }
        }
    }
}

impl Drop for Follower {
    /// No connection outlives its follower, whatever way the caller leaves.
    fn drop(&mut self) {
        self.wait_until(Instant::now() + Duration::from_secs(1));
    }
}

/// Closes every follower at once, then waits up to `timeout` in all for them to end, killing
/// those that do not.
pub fn close_all(followers: &mut [Follower], timeout: Duration) {
    for follower in followers.iter_mut() {
        follower.close();
    }
    let deadline = Instant::now() + timeout;
    for follower in followers.iter_mut() {
        follower.wait_until(deadline);
    }
}

fn read_text(mut pipe: impl Read, mut parser: TailParser, sender: Sender<Event>) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match pipe.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                for (path, bytes) in parser.feed(&buffer[..n]) {
                    if sender
                        .send(Event::Followed(Followed::Text { path, bytes }))
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    }
    for (path, bytes) in parser.finish() {
        let _ = sender.send(Event::Followed(Followed::Text { path, bytes }));
    }
    let _ = sender.send(Event::Closed);
}

fn read_lines(pipe: impl Read, sender: Sender<Event>) {
    for line in BufReader::new(pipe).split(b'\n') {
        let Ok(line) = line else { break };
        let line = String::from_utf8_lossy(&line).trim_end().to_string();
        let followed = if line == STARTED {
            Followed::Started
        } else if line.is_empty() {
            continue;
        } else {
            Followed::Said(line)
        };
        if sender.send(Event::Followed(followed)).is_err() {
            return;
        }
    }
    let _ = sender.send(Event::Closed);
}

/// Splits `tail -v` output into the text of each file: a `==> path <==` line naming one of
/// `paths` switches files, and the blank line tail puts before it is dropped.
struct TailParser {
    paths: Vec<String>,
    /// The file of the text now (the only one, before any header, with a tail without `-v`).
    current: String,
    /// The start of a line not yet passed on: it may be a header.
    held: Vec<u8>,
    /// Part of the current line was passed on: the rest is text, whatever it looks like.
    mid_line: bool,
    /// An empty line held back: it is tail's when a header follows, else the file's.
    blank: bool,
}

const HEADER_START: &[u8] = b"==> ";
const HEADER_END: &[u8] = b" <==";

impl TailParser {
    fn new(paths: Vec<String>) -> TailParser {
        TailParser {
            current: paths.first().cloned().unwrap_or_default(),
            paths,
            held: Vec::new(),
            mid_line: false,
            blank: false,
        }
    }

    /// The file a `==> path <==` line switches to, if it is one of ours.
    fn header(&self, line: &[u8]) -> Option<String> {
        let name = line.strip_prefix(HEADER_START)?.strip_suffix(HEADER_END)?;
        let name = std::str::from_utf8(name).ok()?;
        self.paths.iter().find(|p| *p == name).cloned()
    }

    /// The text in `bytes`, each piece with its file.
    fn feed(&mut self, bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut out = Pieces::default();
        let mut rest = bytes;
        while let Some(end) = rest.iter().position(|b| *b == b'\n') {
            let (line, after) = rest.split_at(end);
            rest = &after[1..];
            if self.mid_line {
                out.push(&self.current, line);
                out.push(&self.current, b"\n");
                self.mid_line = false;
                continue;
            }
            let mut whole = std::mem::take(&mut self.held);
            whole.extend_from_slice(line);
            if let Some(path) = self.header(&whole) {
                self.blank = false;
                self.current = path;
            } else if whole.is_empty() {
                if self.blank {
                    out.push(&self.current, b"\n");
                }
                self.blank = true;
            } else {
                if std::mem::take(&mut self.blank) {
                    out.push(&self.current, b"\n");
                }
                out.push(&self.current, &whole);
                out.push(&self.current, b"\n");
            }
        }
        if rest.is_empty() {
            return out.0;
        }
        if self.mid_line {
            out.push(&self.current, rest);
            return out.0;
        }
        self.held.extend_from_slice(rest);
        let may_be_header = if self.held.len() < HEADER_START.len() {
            HEADER_START.starts_with(&self.held)
        } else {
            self.held.starts_with(HEADER_START)
        };
        if !may_be_header {
            if std::mem::take(&mut self.blank) {
                out.push(&self.current, b"\n");
            }
            let held = std::mem::take(&mut self.held);
            out.push(&self.current, &held);
            self.mid_line = true;
        }
        out.0
    }

    /// What was held back, once the output has ended.
    fn finish(&mut self) -> Vec<(String, Vec<u8>)> {
        let mut out = Pieces::default();
        if std::mem::take(&mut self.blank) {
            out.push(&self.current, b"\n");
        }
        let held = std::mem::take(&mut self.held);
        out.push(&self.current, &held);
        out.0
    }
}

/// Text pieces, each appended to the previous one when it is of the same file.
#[derive(Default)]
struct Pieces(Vec<(String, Vec<u8>)>);

impl Pieces {
    fn push(&mut self, path: &str, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some((last, text)) if last == path => text.extend_from_slice(bytes),
            _ => self.0.push((path.to_string(), bytes.to_vec())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser() -> TailParser {
        TailParser::new(vec!["/l/a.log".into(), "/l/b.log".into()])
    }

    fn text(pieces: &[(String, Vec<u8>)]) -> Vec<(&str, String)> {
        pieces
            .iter()
            .map(|(p, b)| (p.as_str(), String::from_utf8_lossy(b).into_owned()))
            .collect()
    }

    #[test]
    fn tails_headers_become_paths_and_its_blank_lines_go() {
        let mut p = parser();
        let out = p.feed(b"==> /l/a.log <==\none\n\n==> /l/b.log <==\ntwo\n\nthree\n");
        // The blank line in b's own text stays: no header follows it.
        assert_eq!(
            text(&out),
            [
                ("/l/a.log", "one\n".into()),
                ("/l/b.log", "two\n\nthree\n".into())
            ]
        );
        // A blank line at the end of a read waits for what follows it.
        let out = p.feed(b"four\n\n");
        assert_eq!(text(&out), [("/l/b.log", "four\n".into())]);
        let out = p.feed(b"==> /l/a.log <==\nfive\n");
        assert_eq!(text(&out), [("/l/a.log", "five\n".into())]);
    }

    #[test]
    fn a_header_split_across_reads_is_still_a_header() {
        let mut p = parser();
        let out = p.feed(b"==> /l/a.log <==\nx\n\n=");
        assert_eq!(text(&out), [("/l/a.log", "x\n".into())]);
        let out = p.feed(b"=> /l/b.log <");
        assert!(out.is_empty(), "{:?}", text(&out));
        let out = p.feed(b"==\ny\n");
        assert_eq!(text(&out), [("/l/b.log", "y\n".into())]);
    }

    #[test]
    fn partial_lines_pass_at_once_and_lookalikes_are_text() {
        let mut p = parser();
        let out = p.feed(b"==> /l/a.log <==\nhalf");
        assert_eq!(text(&out), [("/l/a.log", "half".into())]);
        // The rest of a line is text even when it looks like a header.
        let out = p.feed(b" ==> /l/b.log <==\n==> /other <==\n");
        assert_eq!(
            text(&out),
            [("/l/a.log", " ==> /l/b.log <==\n==> /other <==\n".into())]
        );
        // A held start that cannot be a header any more passes.
        let out = p.feed(b"=x");
        assert_eq!(text(&out), [("/l/a.log", "=x".into())]);
        let out = p.feed(b"\n\n");
        assert_eq!(text(&out), [("/l/a.log", "\n".into())]);
        assert_eq!(text(&p.finish()), [("/l/a.log", "\n".into())]);
    }

    #[test]
    fn without_headers_the_text_is_the_first_files() {
        let mut p = TailParser::new(vec!["/l/only.log".into()]);
        let out = p.feed(b"a\nb\n");
        assert_eq!(text(&out), [("/l/only.log", "a\nb\n".into())]);
    }
}
