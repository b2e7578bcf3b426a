-- lastroom.lastroomd: lastroomd's own checks and set-up steps for scripts.
local Q_OVERSOLD, Q_NO_DETAILS = ...
local M = {}
return M
