// The per-device lock: one worker per module, and a virtual module's lock lives with its state,
// so two sim dirs (two test runs, two benches) never refuse each other's flashes.
#include "src/workflows/station/device_lock.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "src/util/error.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace cr::workflows;

namespace {

struct TempDir : cr::testing::TempDir {
    TempDir() : cr::testing::TempDir("cr-lock") {}
};

TEST(DeviceLock, KeysNameWhereTheDeviceSits) {
    EXPECT_EQ(device_lock_key("usb:1-1.2"), "usb-1-1.2");
    EXPECT_EQ(device_lock_key("sim:ec25#3"), "sim-ec25_3");
    EXPECT_EQ(device_lock_key("/dev/ttyUSB2"), "dev-ttyUSB2");
}

TEST(DeviceLock, AVirtualModuleLocksInItsOwnSimDir) {
    EXPECT_EQ(default_lock_dir("sim:rm520n", "/a/sim"), fs::path("/a/sim/locks"));
    EXPECT_NE(default_lock_dir("sim:rm520n", "/a/sim"), default_lock_dir("sim:rm520n", "/b/sim"));
    EXPECT_EQ(default_lock_dir("usb:1-1", "/a/sim"), default_lock_dir());
    EXPECT_EQ(default_lock_dir("/dev/ttyUSB2", "/a/sim"), default_lock_dir());
}

TEST(DeviceLock, ASecondWorkerIsRefusedTheSameModuleButNotAnother) {
    TempDir a, b;
    DeviceLock first(default_lock_dir("sim:rm520n", a.path), "sim:rm520n");
    EXPECT_THROW(DeviceLock(default_lock_dir("sim:rm520n", a.path), "sim:rm520n"), cr::SafetyError);
    EXPECT_NO_THROW(DeviceLock(default_lock_dir("sim:rm520n", b.path), "sim:rm520n"));
}

}  // namespace
