//! `tws-sim`: a TWS / IB Gateway simulator speaking the real TWS API wire protocol.
