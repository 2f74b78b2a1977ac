//! The POP3 reply reader (line framing, status lines, multi-line blocks, CAPA, STAT) never
//! panics and never holds more than a bounded line, whatever a server sends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailwhy::mailbox::reply::{
    parse_stat, parse_status, unstuff, Capabilities, LineBuffer, MAX_BLOCK_LINES, MAX_LINE,
};

fuzz_target!(|data: &[u8]| {
    // The first byte picks a chunk size, so reads split lines at every possible place.
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(split).max(1);
    let mut buf = LineBuffer::new();
    let mut block = vec![];
    for piece in rest.chunks(chunk) {
        buf.feed(piece);
        loop {
            match buf.next_line() {
                Ok(Some(line)) => {
                    assert!(line.len() <= MAX_LINE);
                    if let Some(st) = parse_status(&line) {
                        let _ = parse_stat(&st.text);
                        let _ = st.has_code("AUTH");
                    }
                    match unstuff(&line) {
                        Some(l) if block.len() < MAX_BLOCK_LINES => block.push(l.to_vec()),
                        Some(_) => {}
                        None => {
                            let caps = Capabilities::parse(&block);
                            let _ = caps.sasl_mechanisms();
                            let _ = caps.has("STLS");
                            block.clear();
                        }
                    }
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
});
