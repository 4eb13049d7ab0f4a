// `cellrescue at send|term`: talk to a module's AT port (transcript at -vv / --log).
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "protocols/at/at_channel.hpp"
#include "src/util/error.hpp"

namespace cr::cli {
namespace {

nlohmann::json response_json(const at::Response& r) {
    nlohmann::json j{{"command", r.command},
                     {"lines", r.lines},
                     {"final", r.final.line},
                     {"result", std::string(at::to_string(r.final.kind))},
                     {"ok", r.ok()}};
    if (r.final.code) j["code"] = *r.final.code;
    if (!r.final.text.empty()) j["text"] = r.final.text;
    return j;
}

std::string response_text(const at::Response& r) {
    std::string t;
    for (const auto& l : r.lines) t += l + "\n";
    return t + r.final.line;
}

void add_send(CLI::App& at, Context& ctx) {
    auto commands = std::make_shared<std::vector<std::string>>();
    auto timeout = std::make_shared<double>(10.0);
    auto* cmd = at.add_subcommand("send", "send AT commands and print the answers");
    cmd->add_option("commands", *commands, "e.g. \"AT+CFUN?\" (several run in order)")->required();
    cmd->add_option("--timeout", *timeout, "seconds per command (default 10, at most 3600)")
        ->check(CLI::Range(0.1, 3600.0));
    cmd->callback([&ctx, commands, timeout] {
        auto device = ctx.open_device();
        auto port = device->open_at();
        at::AtChannel ch(*port);
        ch.open();
        nlohmann::json all = nlohmann::json::array();
        std::string text;
        for (const auto& c : *commands) {
            auto r = ch.command(c, Millis(static_cast<long>(*timeout * 1000)));
            all.push_back(response_json(r));
            text += (text.empty() ? "" : "\n") + response_text(r);
            if (!r.ok()) {
                ctx.emit({{"responses", all}}, text);
                throw at::AtCommandError(c, r.final, "answering AT commands",
                                         "see the module's answer above");
            }
        }
        ctx.emit({{"responses", all}}, text);
    });
}

// Reads one line from stdin if one is ready within `timeout`; nullopt on timeout; "\x04" on EOF.
std::optional<std::string> stdin_line(Millis timeout) {
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    std::string line;
    if (!std::getline(std::cin, line)) return std::string("\x04");
    return line;
}

void add_term(CLI::App& at, Context& ctx) {
    auto timeout = std::make_shared<double>(30.0);
    auto* cmd = at.add_subcommand("term", "interactive AT terminal (Ctrl-D exits)");
    cmd->add_option("--timeout", *timeout, "seconds per command (default 30)")
        ->check(CLI::Range(0.1, 3600.0));
    cmd->callback([&ctx, timeout] {
        auto device = ctx.open_device();
        auto port = device->open_at();
        at::AtChannel ch(*port);
        auto show = [](const std::string& l) { std::cout << l << std::endl; };
        ch.open();
        std::cerr << "connected to " << device->name() << " (Ctrl-D exits)" << std::endl;
        while (true) {
            ch.on_urc("", show);  // idle: every line the module sends is shown
            ch.poll(Millis(50));
            auto line = stdin_line(Millis(200));
            if (!line) continue;
            if (*line == "\x04") break;
            ch.remove_urc("");
            if (line->empty()) continue;
            try {
                auto r = ch.command(*line, Millis(static_cast<long>(*timeout * 1000)));
                std::cout << response_text(r) << std::endl;
            } catch (const TimeoutError& e) {
                std::cout << "(" << e.what() << ")" << std::endl;
            }
        }
    });
}

}  // namespace

void register_at(CLI::App& app, Context& ctx) {
    auto* at = app.add_subcommand("at", "AT command port: send commands, or a terminal");
    at->require_subcommand(1);
    add_send(*at, ctx);
    add_term(*at, ctx);
}

}  // namespace cr::cli
