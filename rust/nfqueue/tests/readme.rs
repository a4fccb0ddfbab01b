//! The README's Rust example is examples/readme.rs, word for word, so the
//! example readers copy is one that compiles (cargo builds every example).
#[test]
fn the_readme_shows_the_example_that_compiles() {
    let readme = include_str!("../../../README.md");
    let example = include_str!("../examples/readme.rs");
    let block = format!("```rust\n{example}```");
    assert!(readme.contains(&block), "README.md's Rust example differs from rust/nfqueue/examples/readme.rs");
}
