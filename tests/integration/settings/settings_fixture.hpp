// Virtual modules under a private directory, and AT helpers, for the settings tests.
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "protocols/at/at_channel.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/core/virtual_module.hpp"
#include "sim/ublox/ublox_state.hpp"
#include "src/device/sim_device.hpp"

namespace cr::test {

class SettingsFixture : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "cr-settings-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    // A module; u-blox ones run their delays (reboot: 5 s) 1000x faster.
    std::shared_ptr<sim::VirtualModule> module(const std::string& id) {
        auto m = sim::VirtualModule::open(dir_ / "sim", id);
        if (m->model().vendor == sim::Vendor::ublox)
            m->update([](sim::ModuleState& s) {
                auto u = sim::ublox::load(s);
                u.time_scale = 0.001;
                sim::ublox::store(s, u);
            });
        return m;
    }
    std::filesystem::path store() const { return dir_ / "backups"; }

    // Sends commands in one session; returns each response.
    static std::vector<at::Response> at(Device& dev, const std::vector<std::string>& commands) {
        auto port = dev.open_at();
        at::AtChannel ch(*port);
        ch.on_urc("+QIND:", [](const std::string&) {});
        ch.open();
        std::vector<at::Response> out;
        for (const auto& c : commands) out.push_back(ch.command(c, Millis(15000)));
        return out;
    }
    // One command; its information lines, or its final result line when not OK.
    static std::vector<std::string> ask(Device& dev, const std::string& command) {
        auto r = at(dev, {command}).front();
        if (!r.ok()) return {r.final.line};
        return r.lines;
    }
    static void all_ok(Device& dev, const std::vector<std::string>& commands) {
        auto rs = at(dev, commands);
        for (std::size_t i = 0; i < rs.size(); ++i)
            EXPECT_TRUE(rs[i].ok()) << commands[i] << " -> " << rs[i].final.line;
    }

    std::filesystem::path dir_;
};

}  // namespace cr::test
