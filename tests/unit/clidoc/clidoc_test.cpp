// The man pages and completions come from the CLI11 app: every command and option the app
// accepts must appear in them. The expectations walk the app with CLI11's own API, not with
// clidoc's model, so a command the model drops is caught.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "cli/app.hpp"
#include "tests/unit/clidoc/test_shell.hpp"
#include "tools/clidoc/completion.hpp"
#include "tools/clidoc/man.hpp"

namespace cr::clidoc {
namespace {

struct Expected {
    std::vector<std::string> path;
    std::vector<std::string> option_names;  // "--device", "-d"
};

void walk(const CLI::App& app, std::vector<std::string> path, std::vector<Expected>& out) {
    Expected e{path, {}};
    for (const CLI::Option* o : app.get_options()) {
        if (o->get_group().empty()) continue;
        for (const auto& s : o->get_snames()) e.option_names.push_back("-" + s);
        for (const auto& l : o->get_lnames()) e.option_names.push_back("--" + l);
    }
    out.push_back(e);
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        if (sub->get_name().empty() || sub->get_group().empty()) continue;
        auto p = path;
        p.push_back(sub->get_name());
        walk(*sub, p, out);
    }
}

class Clidoc : public ::testing::Test {
  protected:
    void SetUp() override {
        app = cli::make_app(ctx);
        app->name("cellrescue");
        walk(*app, {}, expected);
        tree = describe(*app);
        for (auto& p : man_pages(tree, {"9.9.9", "2026-12-03"})) pages[p.file_name] = p.text;
    }
    cli::Context ctx;
    std::unique_ptr<CLI::App> app;
    std::vector<Expected> expected;
    CommandDoc tree;
    std::map<std::string, std::string> pages;
};

std::string joined(const std::vector<std::string>& path) {
    std::string s;
    for (const auto& p : path) s += (s.empty() ? "" : " ") + p;
    return s;
}

// What a man page or completion script lacks of `e`; empty when nothing is missing.
std::vector<std::string> missing_from_man(const Expected& e,
                                          const std::map<std::string, std::string>& pages) {
    std::vector<std::string> missing;
    std::string file = e.path.empty() ? "cellrescue.1" : "cellrescue-" + e.path.front() + ".1";
    auto it = pages.find(file);
    if (it == pages.end()) return {"page " + file};
    if (e.path.size() > 1 &&
        it->second.find(".SS \"" + roff_escape("cellrescue " + joined(e.path)) + "\"") ==
            std::string::npos)
        missing.push_back("section " + joined(e.path));
    for (const auto& n : e.option_names)
        if (it->second.find("\\fB" + roff_escape(n) + "\\fR") == std::string::npos)
            missing.push_back(joined(e.path) + " " + n);
    return missing;
}

TEST_F(Clidoc, TheAppHasTheCommandsTheReadmeNames) {
    std::vector<std::string> top;
    for (const auto& e : expected)
        if (e.path.size() == 1) top.push_back(e.path[0]);
    for (const char* c : {"devices", "info", "edl", "flash", "backup", "restore", "rescue",
                          "diagnose", "demo", "diag", "at", "imei", "foat", "sim", "settings"})
        EXPECT_NE(std::find(top.begin(), top.end(), c), top.end()) << c;
    EXPECT_GT(expected.size(), 40u);  // nested commands are walked too
}

TEST_F(Clidoc, EveryCommandAndOptionIsInTheManPages) {
    for (const auto& e : expected) {
        auto missing = missing_from_man(e, pages);
        EXPECT_TRUE(missing.empty()) << "missing from the man pages: " << missing.front();
    }
    std::size_t top = 0;
    for (const auto& e : expected) top += e.path.size() == 1;
    EXPECT_EQ(pages.size(), top + 1);  // cellrescue.1 and one page per command, no more
}

TEST_F(Clidoc, TheCheckNoticesAMissingOption) {
    // The check above would fail if clidoc dropped an option: remove one from a page.
    auto broken = pages;
    auto& flash = broken.at("cellrescue-flash.1");
    auto pos = flash.find("\\fB\\-\\-dry\\-run\\fR");
    ASSERT_NE(pos, std::string::npos);
    flash.erase(pos, 3);
    Expected e{{"flash"}, {"--dry-run"}};
    EXPECT_EQ(missing_from_man(e, broken), std::vector<std::string>{"flash --dry-run"});
    EXPECT_FALSE(missing_from_man({{"nosuch"}, {}}, pages).empty());
}

TEST_F(Clidoc, PagesHaveTheSectionsManAndLintianExpect) {
    const auto& main = pages.at("cellrescue.1");
    for (const char* s : {".TH \"CELLRESCUE\" \"1\" \"2026-12-03\" \"cellrescue 9.9.9\"",
                          ".SH NAME\ncellrescue \\- ", ".SH SYNOPSIS", ".SH EXIT STATUS",
                          ".SH ENVIRONMENT", "\\fBCELLRESCUE_SIM_DIR\\fR", ".SH SEE ALSO"})
        EXPECT_NE(main.find(s), std::string::npos) << s;
    EXPECT_NE(main.find("\\fBcellrescue\\-flash\\fR(1)"), std::string::npos);
    for (int code = 0; code <= 10; ++code)
        EXPECT_NE(main.find(".TP\n.B " + std::to_string(code) + "\n"), std::string::npos) << code;
    EXPECT_NE(pages.at("cellrescue-edl.1").find(".SH NAME\ncellrescue\\-edl \\- "),
              std::string::npos);
}

TEST(RoffEscape, EscapesControlCharactersHyphensAndBackslashes) {
    EXPECT_EQ(roff_escape("a-b"), "a\\-b");
    EXPECT_EQ(roff_escape("C:\\x"), "C:\\ex");
    EXPECT_EQ(roff_escape(".hidden\n'quote"), "\\&.hidden\n\\&'quote");
    EXPECT_EQ(roff_escape("x.y 'z'"), "x.y 'z'");
}

TEST_F(Clidoc, BashCompletionListsEveryCommandAndOption) {
    std::string script = bash_completion(tree);
    for (const auto& e : expected) {
        std::string key = "'" + joined(e.path) + "') echo '";
        if (!e.option_names.empty()) {
            auto opts = script.find("_cellrescue_opts()");
            auto line = script.find(key, opts);
            ASSERT_NE(line, std::string::npos) << joined(e.path);
            auto start = line + key.size();
            std::string words = " " + script.substr(start, script.find('\'', start) - start) + " ";
            for (const auto& n : e.option_names)
                EXPECT_NE(words.find(" " + n + " "), std::string::npos) << joined(e.path) << n;
        }
    }
}

TEST_F(Clidoc, BashCompletesCommandsOptionsAndChoices) {
    auto sh = TestShell::find("bash");
    if (!sh) GTEST_SKIP() << "bash not found";
    std::string script = bash_completion(tree);
    auto complete = [&](const std::string& line) { return sh->bash_complete(script, line); };
    EXPECT_EQ(complete("cellrescue ed"), "edl");
    EXPECT_NE((" " + complete("cellrescue edl ") + " ").find(" read "), std::string::npos);
    EXPECT_EQ(complete("cellrescue flash --dry"), "--dry-run");
    EXPECT_EQ(complete("cellrescue foat --method "), "ufwupd udwnfile");
    // global options fall through to commands
    EXPECT_EQ(complete("cellrescue edl read --sim-d"), "--sim-dir");
    // a value of -d is not taken for a command
    EXPECT_NE((" " + complete("cellrescue -d sim:rm520n ") + " ").find(" flash "),
              std::string::npos);
}

TEST_F(Clidoc, ZshCompletionParsesAndDescribesCommands) {
    std::string script = zsh_completion(tree);
    EXPECT_EQ(script.rfind("#compdef cellrescue\n", 0), 0u);
    for (const auto& e : expected) {
        if (e.path.empty()) continue;
        EXPECT_NE(script.find("'sub:" + e.path.back() + ":"), std::string::npos) << joined(e.path);
    }
    auto sh = TestShell::find("zsh");
    if (!sh) GTEST_SKIP() << "zsh not installed: syntax not checked";
    EXPECT_EQ(sh->syntax_errors(script), "");
}

TEST_F(Clidoc, ManRendersEveryPageWithoutWarnings) {
    auto man = TestShell::find("man");
    if (!man) GTEST_SKIP() << "man not installed";
    auto dir =
        std::filesystem::temp_directory_path() / ("clidoc-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    for (const auto& [name, text] : pages) {
        std::ofstream(dir / name) << text;
        EXPECT_EQ(man->man_warnings(dir / name), "") << name;
    }
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cr::clidoc
