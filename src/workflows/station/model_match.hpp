// Is this package for this module? Decided before anything is sent, from what is known without
// the device's help: the module's USB identity (PROTOCOLS.md §1) and the package's name and
// programmer (Quectel names firmware after the product, "EC25EFAR06A06M4G", and NAND
// programmers after the chip, "prog_nand_firehose_9x07.mbn"). Either side may be unknown (an
// EDL device shows only 05c6:9008; "prog_firehose_lite.elf" names no chip): then the
// programmer's own signature check in Sahara is what refuses a wrong package.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cr::workflows {

// "EC25", "RM500Q", "RM520N"... from a normal-mode Quectel VID:PID; nullopt when unknown.
std::optional<std::string> module_family_of_usb(std::uint16_t vid, std::uint16_t pid);
// "EC25" from a catalogue id or product name ("ec25", "Quectel EC25-E", "EC25EFAR06A06M4G").
std::optional<std::string> module_family_of_name(std::string_view name);
// Families a package can be for, from its names (source, root) and programmer file name.
// Empty: unknown.
std::vector<std::string> package_families(std::string_view source_name, std::string_view root_name,
                                          std::string_view programmer_name);

struct ModelCheck {
    bool known = false;  // both sides known
    bool match = true;
    std::string detail;  // "package for RM500Q, module is EC25" / "not checked: ..."
};
ModelCheck check_package_model(const std::optional<std::string>& module_family,
                               const std::vector<std::string>& package_families);

}  // namespace cr::workflows
