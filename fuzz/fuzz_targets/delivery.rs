//! Every delivery-evidence reader never panics on any bytes, and keeps its promises: every
//! event handed out is counted, every problem is located in the file read (a line inside it),
//! and a timeline can be concluded from whatever was read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::delivery::timeline::{Collector, Matcher, Window};
use mailwhy::delivery::{read, ReadOptions, Service};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the reader (0 and anything past the services: recognize), so one
    // corpus exercises all of them.
    let Some((&pick, data)) = data.split_first() else {
        return;
    };
    let format = Service::ALL.get(usize::from(pick % 10).wrapping_sub(1)).copied();
    let opts = ReadOptions {
        format,
        ..ReadOptions::default()
    };
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let mut collector = Collector::new(Matcher::new("pat@acme-builders.com").unwrap(), Window::default());
    let mut n = 0u64;
    let s = read("fuzz", data, &opts, &mut |e| {
        n += 1;
        collector.push(e);
    });
    assert_eq!(s.events, n, "events counted = events handed out");
    for p in &s.problems {
        assert_eq!(&*p.location.file, "fuzz");
        if let Some(l) = p.location.line {
            assert!(l >= 1 && l <= lines, "line {l} of {lines}");
        }
    }
    let _ = collector.finish(vec![s]);
});
