fn main() {
    for entry in std::fs::read_dir(std::env::args().nth(1).unwrap()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().map_or(true, |e| e != "json") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        match fathom_core::Document::parse(&bytes, None) {
            Ok(d) => {
                let codes: Vec<String> = d
                    .findings
                    .iter()
                    .map(|f| format!("{}:{}@{}", &f.severity.to_string()[..1], f.code, f.path))
                    .collect();
                println!("{name}\n   OK {:?} {}", d.format, codes.join(" "));
            }
            Err(e) => println!("{name}\n   ERR {} {}", e.code(), e),
        }
    }
}
