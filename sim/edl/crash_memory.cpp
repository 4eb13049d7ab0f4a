#include "sim/edl/crash_memory.hpp"

#include <algorithm>

namespace cr::sim {
namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser: one word of "RAM" per address
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

}  // namespace

CrashMemory crash_memory_for(std::uint32_t msm_hw_id, bool wide) {
    CrashMemory m;
    m.wide = wide;
    m.seed = msm_hw_id;
    m.table_addr = 0x146bf000;
    // Names and shapes as real modem dumps show them (sizes kept small for tests).
    m.regions = {
        {1, 0x146a0000, 0x20000, "OCIMEM", "OCIMEM.BIN"},
        {1, 0x01fe0000, 0x8000, "CODE RAM", "CODERAM.BIN"},
        {0, 0x0c264000, 0x4, "Reset Status Region", "RST_STAT.BIN"},
        {1, 0x80000000, 0x180000, "DDR CS0 part0 Memo", "DDRCS0_0.BIN"},
    };
    return m;
}

Bytes crash_table_bytes(const CrashMemory& memory) {
    return sahara::encode_memory_table(memory.regions, memory.wide);
}

bool read_crash_memory(const CrashMemory& memory, std::uint64_t addr, std::span<std::uint8_t> out) {
    std::uint64_t len = out.size();
    if (addr == memory.table_addr) {
        Bytes table = crash_table_bytes(memory);
        if (len > table.size()) return false;
        std::copy_n(table.begin(), len, out.begin());
        return true;
    }
    for (const auto& r : memory.regions) {
        if (addr < r.base || addr - r.base > r.length || len > r.base + r.length - addr) continue;
        for (std::uint64_t i = 0; i < len; ++i) {
            std::uint64_t a = addr + i;
            out[i] = static_cast<std::uint8_t>(mix((a >> 3) ^ (std::uint64_t{memory.seed} << 32)) >>
                                               (8 * (a & 7)));
        }
        return true;
    }
    return false;
}

}  // namespace cr::sim
