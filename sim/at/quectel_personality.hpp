// The Quectel AT command interpreter of a virtual RM520N/EC25/RM500Q (PROTOCOLS.md §5, §7, §10).
// Pure request/response over text: the port server feeds it one command line at a time and
// writes back what it returns, so it is testable without any transport.
#pragma once
#include <string>
#include <string_view>

#include "sim/core/virtual_module.hpp"

namespace cr::sim {

struct AtReply {
    std::string text;        // everything to send back (echo, info lines, final result, URCs)
    bool drop_port = false;  // the module resets after sending `text` (AT+CFUN=1,1)
};

class QuectelPersonality {
  public:
    explicit QuectelPersonality(VirtualModule& module);

    // What the module says when the port opens: `RDY` and boot URCs after a reset, else nothing.
    std::string greeting();
    // Handles one command line (without its CR). Empty lines give an empty reply.
    AtReply handle(std::string_view line);

  private:
    std::string dispatch(std::string_view cmd, bool& drop);
    std::string info(const std::string& body) const;  // "\r\n<body>\r\n\r\nOK\r\n"
    std::string cme(int code) const;                  // per AT+CMEE
    std::string urc_after_command();

    VirtualModule& module_;
    bool echo_ = true;
    int cmee_ = 1;
    unsigned commands_ = 0;
};

// The session state the AT side keeps in state.extra["at"].
int at_user_cfun(const ModuleState& state);      // last AT+CFUN=0/1/4 (1 after reset)
bool at_sim_inserted(const ModuleState& state);  // extra["at"]["sim"] (default: no SIM)

}  // namespace cr::sim
