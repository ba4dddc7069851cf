//! The page's wasm keeps the linker's relocations: `scripts/build-web.sh` splits it into chunks
//! after the build (see `src/chunks.rs`), and the splitter moves functions by them. Only this
//! binary's link asks for them; wasm-bindgen and wasm-opt drop them from what ships.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-bins=--emit-relocs");
    }
}
