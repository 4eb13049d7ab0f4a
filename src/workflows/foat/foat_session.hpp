// Internal: one FOAT run against one module (see foat.hpp for the contract).
#pragma once
#include <memory>

#include "protocols/at/at_channel.hpp"
#include "src/workflows/foat/foat.hpp"

namespace cr::workflows {

enum class UbloxFamily { r4, r5, lena };

class FoatSession {
  public:
    FoatSession(Device& device, const FoatOptions& options, Bytes package);
    FoatReport run();

  private:
    // port handling (foat_session.cpp)
    void open_port(Millis timeout);
    void close_port();
    void reach_module(Millis limit, const std::string& phase);
    bool probe_update_mode();
    void identify(bool before);
    void set_host_baud(std::uint32_t baud);
    void warn(const std::string& text);
    std::string state_now() const;

    // methods (foat_methods.cpp)
    void check_foat_area(bool remove_stale);
    void ufwupd_r4();
    void ufwupd_r5();
    void udwnfile();
    void send_xmodem();
    int follow_progress(Millis limit);
    void start_update(const std::string& command, std::uint32_t new_baud);
    void install_r4();
    void recover_update_mode();
    void fail_on_code(int code, const std::string& where);

    Device& device_;
    const FoatOptions& opt_;
    Bytes package_;
    FoatReport report_;
    UbloxFamily family_ = UbloxFamily::r4;
    std::unique_ptr<Transport> port_;
    std::unique_ptr<at::AtChannel> ch_;
    std::uint32_t host_baud_ = 115200;
    int fotastat_ = 0;
};

}  // namespace cr::workflows
