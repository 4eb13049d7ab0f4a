#include "tools/clidoc/man_prose.hpp"

namespace cr::clidoc {

const char* const description_prose =
    R"(\fBcellrescue\fR brings bricked Qualcomm\-based cellular modules (Quectel RM520N\-GL, EC25,
RM500Q; u\-blox SARA and LENA) back and keeps their calibration safe.
It speaks Sahara, Firehose, DIAG/EFS2, AT and XMODEM itself, over libusb, serial ports and
PCIe (MHI) character devices.
Every command can be tried on a built\-in virtual module: \fBcellrescue demo\fR runs the whole
rescue story on one.
.PP
Nothing writes or erases a region holding calibration unless a verified backup of it exists or
an override is named; \fBflash\fR backs calibration up first.
.PP
\fB\-d\fR takes \fBusb:\fR\fIbus\-port\fR (usb:1\-1.2), \fBsn:\fR\fIserial\fR, a tty or char device path
(/dev/ttyUSB2, /dev/serial/by\-id/..., /dev/mhi_DIAG), or \fBsim:\fR\fImodel\fR[#\fIn\fR] for a
virtual module (rm520n, ec25, rm500q, sara\-r412m, sara\-r5, lena\-r8).
.PP
Global options may stand before or after the command.)";

const char* const files_prose = R"(.TP
.I /usr/lib/udev/rules.d/70\-cellrescue.rules
gives the logged\-in user and group plugdev access to EDL devices and module ports (mode 0660)
and keeps ModemManager off the EDL and DIAG ports.
.TP
.I ~/.local/state/cellrescue/sim
virtual modules' state (\fB\-\-sim\-dir\fR).
.TP
.I ~/.local/share/cellrescue/backups
the backup store (\fB\-\-backup\-dir\fR).
.TP
.I /usr/share/doc/cellrescue
the user guide, recovery playbooks and protocol notes.)";

const char* const environment_prose = R"(.TP
.B XDG_STATE_HOME
replaces ~/.local/state in the default \fB\-\-sim\-dir\fR.
.TP
.B XDG_DATA_HOME
replaces ~/.local/share in the default \fB\-\-backup\-dir\fR.)";

}  // namespace cr::clidoc
