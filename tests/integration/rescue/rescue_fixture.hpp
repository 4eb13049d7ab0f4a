// A fresh virtual module + backup store per test (integration tests of the rescue area).
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "protocols/at/at_channel.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/core/virtual_module.hpp"
#include "sim/diag/efs_store.hpp"
#include "src/device/sim_device.hpp"

namespace cr::test {

class RescueFixture : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "cr-rescue-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::shared_ptr<sim::VirtualModule> module(const std::string& id = "rm520n") {
        if (!module_) module_ = sim::VirtualModule::open(dir_ / "sim", id);
        return module_;
    }
    SimDevice device() { return SimDevice(module()); }
    std::filesystem::path store() const { return dir_ / "backups"; }
    std::string own_imei() { return module()->state().imeis.front(); }

    void set_state(const std::string& state) { sim::apply_state(*module(), state, {}); }
    // Edits the module's EFS the way a DIAG write would (no pending flag).
    template <typename F>
    void edit_efs(F change) {
        auto tree = sim::load_efs(*module());
        change(tree);
        sim::store_efs(*module(), tree);
    }

    std::filesystem::path dir_;
    std::shared_ptr<sim::VirtualModule> module_;
};

}  // namespace cr::test
