// clidoc: writes the man pages and shell completions of cellrescue from its CLI11 app (the one
// main() parses with), so they never drift from the commands. Run at build time:
//   clidoc OUT_DIR VERSION
// writes OUT_DIR/man1/*.1 (plain, for checks), OUT_DIR/share/man/man1/*.1.gz,
// OUT_DIR/share/bash-completion/completions/cellrescue,
// OUT_DIR/share/zsh/vendor-completions/_cellrescue.
#include <zlib.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/app.hpp"
#include "tools/clidoc/completion.hpp"
#include "tools/clidoc/man.hpp"

namespace fs = std::filesystem;

namespace {

struct WriteError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void write_text(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw WriteError("cannot write " + p.string());
}

// gzip -9 with no name and mtime 0 (zlib's gz header), so builds are reproducible.
void write_gzip(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    gzFile f = gzopen(p.c_str(), "wb9");
    if (!f) throw WriteError("cannot write " + p.string());
    int n = gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    if (gzclose(f) != Z_OK || n != static_cast<int>(text.size()))
        throw WriteError("cannot write " + p.string());
}

// The page date: SOURCE_DATE_EPOCH (reproducible builds) or today.
std::string page_date() {
    std::time_t t = std::time(nullptr);
    if (const char* e = std::getenv("SOURCE_DATE_EPOCH"))
        t = static_cast<std::time_t>(std::atoll(e));
    char buf[16];
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: clidoc OUT_DIR VERSION\n";
        return 2;
    }
    try {
        fs::path out = argv[1];
        fs::remove_all(out);  // a page of a removed command must not linger
        cr::cli::Context ctx;
        auto app = cr::cli::make_app(ctx);
        app->name("cellrescue");
        auto tree = cr::clidoc::describe(*app);
        for (const auto& page : cr::clidoc::man_pages(tree, {argv[2], page_date()})) {
            write_text(out / "man1" / page.file_name, page.text);
            write_gzip(out / "share/man/man1" / (page.file_name + ".gz"), page.text);
        }
        write_text(out / "share/bash-completion/completions/cellrescue",
                   cr::clidoc::bash_completion(tree));
        write_text(out / "share/zsh/vendor-completions/_cellrescue",
                   cr::clidoc::zsh_completion(tree));
    } catch (const std::exception& e) {
        std::cerr << "clidoc: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
