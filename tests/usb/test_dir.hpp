// A fresh, empty directory per test for the USB tests' virtual modules and files:
// <tmp>/<prefix>-<pid>-<test name>, removed first if a previous run left it behind.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace cr::usbtest {

inline std::filesystem::path fresh_test_dir(const std::string& prefix) {
    auto dir = std::filesystem::temp_directory_path() /
               (prefix + "-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace cr::usbtest
