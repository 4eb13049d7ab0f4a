// udev/70-cellrescue.rules: 0660 everywhere (never 0666), uaccess + plugdev on every rule that
// grants access, ModemManager kept off EDL devices and DIAG ports.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace {

std::vector<std::string> rules() {
    std::ifstream in(std::string(CR_SOURCE_DIR) + "/udev/70-cellrescue.rules");
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] != '#') out.push_back(line);
    return out;
}

bool has(const std::string& line, const std::string& what) {
    return line.find(what) != std::string::npos;
}

TEST(UdevRules, FileParsesIntoRules) {
    auto r = rules();
    ASSERT_GT(r.size(), 10u);
    std::regex key(R"((\w+)(\{[^}]*\})?(==|!=|\+=|=)\"[^\"]*\")");
    for (const auto& line : r) {
        if (line.starts_with("LABEL=")) continue;
        std::string rest = std::regex_replace(line, key, "");
        for (char c : rest) EXPECT_TRUE(c == ' ' || c == ',') << "unparsed text in: " << line;
    }
}

TEST(UdevRules, NeverWorldWritableAndAlwaysUaccessWithPlugdev) {
    int granting = 0;
    for (const auto& line : rules()) {
        EXPECT_FALSE(has(line, "0666")) << line;
        EXPECT_FALSE(has(line, "MODE=\"0777\"")) << line;
        if (!has(line, "MODE=")) continue;
        ++granting;
        EXPECT_TRUE(has(line, "MODE=\"0660\"")) << line;
        EXPECT_TRUE(has(line, "TAG+=\"uaccess\"")) << line;
        EXPECT_TRUE(has(line, "GROUP=\"plugdev\"")) << line;
    }
    EXPECT_GE(granting, 8);
}

TEST(UdevRules, ModemManagerIgnoresEdlDevicesAndDiagPorts) {
    bool edl = false, crash = false, quectel_diag = false, rm520n_diag = false;
    for (const auto& line : rules()) {
        bool ignore = has(line, "ENV{ID_MM_DEVICE_IGNORE}=\"1\"");
        if (has(line, "\"9008\"")) edl = ignore;
        if (has(line, "\"900e\"")) crash = ignore;
        if (has(line, "\"2c7c\"") && has(line, "ID_USB_INTERFACE_NUM}==\"00\""))
            quectel_diag = ignore;
        if (has(line, "\"0803\"") && has(line, "ID_USB_INTERFACE_NUM}==\"03\""))
            rm520n_diag = ignore;
        // AT ports must stay usable by ModemManager: no ignore on a rule for if02.
        if (has(line, "ID_USB_INTERFACE_NUM}==\"02\"")) {
            EXPECT_FALSE(ignore) << line;
        }
    }
    EXPECT_TRUE(edl);
    EXPECT_TRUE(crash);
    EXPECT_TRUE(quectel_diag);
    EXPECT_TRUE(rm520n_diag);
}

}  // namespace
