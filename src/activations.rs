//! The registry: every elementwise activation described once.
//!
//! [`for_each_activation!`] holds one description per activation: its `Activation` variant and
//! parameters, the names of its free function and of its in-place form, its proven ULP bound,
//! its cost class (which picks the threading threshold), its generic SIMD kernel, its `f64`
//! reference, its naive `std` baseline, and its doc text with its special values. Everything
//! else is generated from that list by the macros it is handed to: the [`Activation`] enum and
//! its `name`/`ulp_bound`/`Display`/`FromStr`, the [`Kernels`](crate::Kernels) methods, the free
//! functions, the slice references in [`reference`](crate::reference), the naive baselines
//! of the benches, and the kernel behind the fused forms and the half-storage runs (`Activation::visit_kernel`, run by
//! [`Kernels::bias_activate`](crate::Kernels::bias_activate) and
//! [`Kernels::glu`](crate::Kernels::glu)). Tests, benches and the report iterate over
//! [`Activation::ALL`].
//!
//! Adding an activation: its math in `src/simd/<name>.rs`, one description below, one
//! `<name>_one` function in `src/reference.rs`. Nothing else by hand.

use core::fmt;
use core::str::FromStr;

use crate::drive::Cost;
use crate::kernels::Kernels;
use crate::simd::io::{InPlace, OutOfPlace};
use crate::{Error, validate};

/// The return type of an in-place method: `()` without a parameter (nothing to check),
/// `Result` with one.
macro_rules! inplace_return {
    () => { () };
    ($p:ident) => { Result<(), Error> };
}

/// The value an in-place method returns (see [`inplace_return`]).
macro_rules! inplace_ok {
    () => {
        ()
    };
    ($p:ident) => {
        Ok(())
    };
}

/// The result of an in-place call as a `Result` (see [`inplace_return`]).
macro_rules! inplace_result {
    ($call:expr) => {{
        $call;
        Ok(())
    }};
    ($call:expr, $p:ident) => {
        $call
    };
}

/// Calls `$callback! { ... }` with the description of every elementwise activation.
///
/// Each description reads:
/// ```text
/// /// doc shared by the variant, the method and the free function
/// Variant { param = default } => name, name_inplace {   (at most one parameter)
///     bound: ULP bound (0: exact),
///     bound_other_param: ULP bound for a parameter other than the default (optional),
///     cost: Transcendental | Memory,
///     kernel: generic fn (simd, x[, param]) -> S::f32s,
///     reference: fn (x[, param]) -> f32, in f64 rounded once,
///     naive: |x| the f32 std expression a user would write (naming the parameter),
///     special: "special values, one line",
/// }
/// ```
macro_rules! for_each_activation {
    ($callback:ident) => {
        $callback! {
            /// `exp(x)`, subnormal results included (gradual underflow down to
            /// `x = -103.97208`).
            Exp {} => exp, exp_inplace {
                bound: 1,
                cost: Transcendental,
                kernel: crate::simd::exp::exp,
                reference: crate::reference::exp_one,
                naive: |x| x.exp(),
                special: "NaN -> NaN, `x > 88.72283` -> `+inf`, `x < -103.97208` and `-inf` -> `+0`",
                backward: exp_backward, exp_backward_inplace {
                    bound: 3,
                    kernel: crate::simd::backward::exp::exp_backward,
                    reference: crate::reference::exp_backward_one,
                    naive: |x, dy| dy * x.exp(),
                    special: "NaN -> NaN, `x > 88.72283` -> `dy * inf`, `x < -194` and `-inf` -> `dy * 0`",
                },
            }
            /// The logistic sigmoid `1 / (1 + exp(-x))`, subnormal results included; always in
            /// `[0, 1]`.
            Sigmoid {} => sigmoid, sigmoid_inplace {
                bound: 2,
                cost: Transcendental,
                kernel: crate::simd::sigmoid::sigmoid,
                reference: crate::reference::sigmoid_one,
                naive: |x| 1.0 / (1.0 + (-x).exp()),
                special: "NaN -> NaN, `+inf` -> 1, `-inf` -> 0, `-0.0` -> 0.5, output in `[0, 1]`",
                backward: sigmoid_backward, sigmoid_backward_inplace {
                    bound: 3,
                    kernel: crate::simd::backward::logistic::sigmoid_backward,
                    reference: crate::reference::sigmoid_backward_one,
                    naive: |x, dy| { let s = 1.0 / (1.0 + (-x).exp()); dy * s * (1.0 - s) },
                    special: "NaN -> NaN, `+-inf` -> `dy * 0`, `+-0` -> `dy / 4`, infinite `dy` -> `+-inf` for `|x| <= 103.97`, NaN beyond",
                },
            }
            /// `tanh(x)`; always in `[-1, 1]` and odd bit for bit (`tanh(-x) == -tanh(x)`).
            Tanh {} => tanh, tanh_inplace {
                bound: 2,
                cost: Transcendental,
                kernel: crate::simd::tanh::tanh,
                reference: crate::reference::tanh_one,
                naive: |x| x.tanh(),
                special: "NaN -> NaN, `+-inf` -> `+-1`, `+-0` -> `+-0`, tiny `x` -> `x`",
                backward: tanh_backward, tanh_backward_inplace {
                    bound: 3,
                    kernel: crate::simd::backward::logistic::tanh_backward,
                    reference: crate::reference::tanh_backward_one,
                    naive: |x, dy| { let t = x.tanh(); dy * (1.0 - t * t) },
                    special: "NaN -> NaN, `+-inf` -> `dy * 0`, `+-0` -> `dy`, infinite `dy` -> `+-inf` for `|x| <= 52.68`, NaN beyond",
                },
            }
            /// SiLU (swish), `x * sigmoid(x) = x / (1 + exp(-x))`, with full relative accuracy
            /// in the negative tail, down to subnormal results.
            Silu {} => silu, silu_inplace {
                bound: 2,
                cost: Transcendental,
                kernel: crate::simd::swish::silu,
                reference: crate::reference::silu_one,
                naive: |x| x / (1.0 + (-x).exp()),
                special: "NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `-0.0`, `-0.0` -> `-0.0`",
                backward: silu_backward, silu_backward_inplace {
                    bound: 3,
                    margin: crate::reference::silu_backward_margin,
                    kernel: crate::simd::backward::swish::silu_backward,
                    reference: crate::reference::silu_backward_one,
                    naive: |x, dy| { let s = 1.0 / (1.0 + (-x).exp()); dy * s * (1.0 + x * (1.0 - s)) },
                    special: "NaN -> NaN, `+inf` -> `dy`, `-inf` -> `-0.0 * dy` (the derivative tends to 0 from below), `+-0` and subnormal `x` -> `dy / 2`",
                },
            }
            /// quick GELU, `x * sigmoid(1.702 x)`: the product `1.702 x` is carried exactly into
            /// `exp`, so the negative tail keeps full relative accuracy down to subnormal results.
            QuickGelu {} => quick_gelu, quick_gelu_inplace {
                bound: 2,
                cost: Transcendental,
                kernel: crate::simd::swish::quick_gelu,
                reference: crate::reference::quick_gelu_one,
                naive: |x| x / (1.0 + (-1.702 * x).exp()),
                special: "NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `-0.0`, `-0.0` -> `-0.0`",
                backward: quick_gelu_backward, quick_gelu_backward_inplace {
                    bound: 3,
                    margin: crate::reference::quick_gelu_backward_margin,
                    kernel: crate::simd::backward::swish::quick_gelu_backward,
                    reference: crate::reference::quick_gelu_backward_one,
                    naive: |x, dy| { let s = 1.0 / (1.0 + (-1.702 * x).exp()); dy * s * (1.0 + 1.702 * x * (1.0 - s)) },
                    special: "NaN -> NaN, `+inf` -> `dy`, `-inf` -> `-0.0 * dy` (the derivative tends to 0 from below), `+-0` and subnormal `x` -> `dy / 2`",
                },
            }
            /// GELU, `x * Phi(x) = x / 2 * erfc(-x / sqrt(2))` (the exact, erf form), with full
            /// relative accuracy in the negative tail, down to subnormal results.
            Gelu {} => gelu, gelu_inplace {
                bound: 3,
                cost: Transcendental,
                kernel: crate::simd::gelu::gelu,
                reference: crate::reference::gelu_one,
                naive: |x| 0.5 * x * libm::erfcf(-x * core::f32::consts::FRAC_1_SQRT_2),
                special: "NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `-0.0`, `-0.0` -> `-0.0`",
                backward: gelu_backward, gelu_backward_inplace {
                    bound: 3,
                    margin: crate::reference::gelu_backward_margin,
                    kernel: crate::simd::backward::gelu::gelu_backward,
                    reference: crate::reference::gelu_backward_one,
                    naive: |x, dy| { let phi = (-0.5 * x * x).exp() * 0.398_942_3; dy * (0.5 * libm::erfcf(-x * core::f32::consts::FRAC_1_SQRT_2) + x * phi) },
                    special: "NaN -> NaN, `+inf` -> `dy`, `-inf` -> `-0.0 * dy` (the derivative tends to 0 from below), `+-0` and subnormal `x` -> `dy / 2`",
                },
            }
            /// GELU in its tanh form, `x / 2 * (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))`: the
            /// argument is carried exactly into `exp`, so the negative tail keeps full relative
            /// accuracy down to subnormal results.
            GeluTanh {} => gelu_tanh, gelu_tanh_inplace {
                bound: 3,
                cost: Transcendental,
                kernel: crate::simd::swish::gelu_tanh,
                reference: crate::reference::gelu_tanh_one,
                naive: |x| 0.5 * x * (1.0 + (0.797_884_6 * (x + 0.044715 * x * x * x)).tanh()),
                special: "NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `-0.0`, `-0.0` -> `-0.0`",
                backward: gelu_tanh_backward, gelu_tanh_backward_inplace {
                    bound: 3,
                    margin: crate::reference::gelu_tanh_backward_margin,
                    kernel: crate::simd::backward::swish::gelu_tanh_backward,
                    reference: crate::reference::gelu_tanh_backward_one,
                    naive: |x, dy| { let u = 0.797_884_6 * (x + 0.044715 * x * x * x); let t = u.tanh(); dy * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * 0.797_884_6 * (1.0 + 0.134_145 * x * x)) },
                    special: "NaN -> NaN, `+inf` -> `dy`, `-inf` -> `-0.0 * dy` (the derivative tends to 0 from below), `+-0` and subnormal `x` -> `dy / 2`",
                },
            }
            /// mish, `x * tanh(softplus(x)) = x * tanh(ln(1 + exp(x)))`, with full relative
            /// accuracy in the negative tail, down to subnormal results.
            Mish {} => mish, mish_inplace {
                bound: 3,
                cost: Transcendental,
                kernel: crate::simd::mish::mish,
                reference: crate::reference::mish_one,
                naive: |x| x * (1.0 + x.exp()).ln().tanh(),
                special: "NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `-0.0`, `-0.0` -> `-0.0`",
                backward: mish_backward, mish_backward_inplace {
                    bound: 3,
                    margin: crate::reference::mish_backward_margin,
                    kernel: crate::simd::backward::mish::mish_backward,
                    reference: crate::reference::mish_backward_one,
                    naive: |x, dy| { let t = (1.0 + x.exp()).ln().tanh(); let s = 1.0 / (1.0 + (-x).exp()); dy * (t + x * s * (1.0 - t * t)) },
                    special: "NaN -> NaN, `+inf` -> `dy`, `-inf` -> `-0.0 * dy` (the derivative tends to 0 from below), `+-0` and subnormal `x` -> `0.6 dy`",
                },
            }
            /// ELU: `if x > 0 { x } else { alpha * expm1(x) }` (any finite `alpha`; PyTorch's
            /// default 1). Within 2 ULP for `alpha = 1` (no product), 3 ULP for other alphas
            /// (checked by a dense sweep over many alphas).
            Elu { alpha = 1.0 } => elu, elu_inplace {
                bound: 2,
                bound_other_param: 3,
                cost: Transcendental,
                kernel: crate::simd::elu::elu,
                reference: crate::reference::elu_one,
                naive: |x| if x > 0.0 { x } else { alpha * x.exp_m1() },
                special: "NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `-alpha`, `-0.0` -> `alpha * -0.0` (`-0.0` for `alpha > 0`)",
                backward: elu_backward, elu_backward_inplace {
                    bound: 3,
                    kernel: crate::simd::backward::elu::elu_backward,
                    reference: crate::reference::elu_backward_one,
                    naive: |x, dy| if x > 0.0 { dy } else { dy * alpha * x.exp() },
                    special: "NaN -> NaN, `+inf` -> `dy`, `-0.0` -> `alpha dy`, `x < -194` and `-inf` -> `alpha dy * 0`",
                },
            }
            /// SELU, with PyTorch's constants ([`SELU_LAMBDA`](crate::reference::SELU_LAMBDA),
            /// [`SELU_ALPHA`](crate::reference::SELU_ALPHA)):
            /// `lambda * (if x > 0 { x } else { alpha * expm1(x) })`.
            Selu {} => selu, selu_inplace {
                bound: 3,
                cost: Transcendental,
                kernel: crate::simd::elu::selu,
                reference: crate::reference::selu_one,
                naive: |x| 1.050_701 * if x > 0.0 { x } else { 1.673_263_2 * x.exp_m1() },
                special: "NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `-lambda * alpha` (-1.7580993), `-0.0` -> `-0.0`",
                backward: selu_backward, selu_backward_inplace {
                    bound: 3,
                    kernel: crate::simd::backward::elu::selu_backward,
                    reference: crate::reference::selu_backward_one,
                    naive: |x, dy| if x > 0.0 { 1.050_701 * dy } else { 1.050_701 * 1.673_263_2 * dy * x.exp() },
                    special: "NaN -> NaN, `+inf` -> `lambda dy`, `-0.0` -> `lambda alpha dy`, `x < -194` and `-inf` -> `dy * 0`",
                },
            }
            /// ReLU: `if x < 0 { +0 } else { x }` (not `max(x, 0)`, whose NaN handling differs
            /// by instruction set).
            Relu {} => relu, relu_inplace {
                bound: 0,
                cost: Memory,
                kernel: crate::simd::relu::relu,
                reference: crate::reference::relu_one,
                naive: |x| x.max(0.0),
                special: "NaN -> NaN, `-0.0` -> `-0.0`",
                backward: relu_backward, relu_backward_inplace {
                    bound: 0,
                    kernel: crate::simd::backward::piecewise::relu_backward,
                    reference: crate::reference::relu_backward_one,
                    naive: |x, dy| if x > 0.0 { dy } else { 0.0 },
                    special: "`x > 0 ? dy : 0` (PyTorch's): NaN `x` -> 0, `-0.0` -> 0",
                },
            }
            /// Leaky ReLU: `if x < 0 { alpha * x } else { x }` (one rounding of the product).
            LeakyRelu { alpha = 0.01 } => leaky_relu, leaky_relu_inplace {
                bound: 0,
                cost: Memory,
                kernel: crate::simd::relu::leaky_relu,
                reference: crate::reference::leaky_relu_one,
                naive: |x| if x < 0.0 { alpha * x } else { x },
                special: "NaN -> NaN, `-0.0` -> `-0.0`",
                backward: leaky_relu_backward, leaky_relu_backward_inplace {
                    bound: 0,
                    kernel: crate::simd::backward::piecewise::leaky_relu_backward,
                    reference: crate::reference::leaky_relu_backward_one,
                    naive: |x, dy| if x > 0.0 { dy } else { alpha * dy },
                    special: "`x > 0 ? dy : alpha dy` (PyTorch's): NaN `x` -> NaN, `-0.0` -> `alpha dy`",
                },
            }
            /// Hard sigmoid, as in PyTorch: `min(max(x + 3, 0), 6) / 6`.
            HardSigmoid {} => hard_sigmoid, hard_sigmoid_inplace {
                bound: 1,
                cost: Memory,
                kernel: crate::simd::hard::hard_sigmoid,
                reference: crate::reference::hard_sigmoid_one,
                naive: |x| (x + 3.0).clamp(0.0, 6.0) / 6.0,
                special: "NaN -> NaN, `x <= -3` -> 0, `x >= 3` -> 1, output in `[0, 1]`",
                backward: hard_sigmoid_backward, hard_sigmoid_backward_inplace {
                    bound: 0,
                    kernel: crate::simd::backward::piecewise::hard_sigmoid_backward,
                    reference: crate::reference::hard_sigmoid_backward_one,
                    naive: |x, dy| if x > -3.0 && x < 3.0 { dy / 6.0 } else { 0.0 },
                    special: "`-3 < x < 3 ? dy / 6 : 0` (PyTorch's): NaN `x` -> 0, `+-3` -> 0",
                },
            }
            /// Hard swish, as in PyTorch: `x * min(max(x + 3, 0), 6) / 6`.
            HardSwish {} => hard_swish, hard_swish_inplace {
                bound: 2,
                cost: Memory,
                kernel: crate::simd::hard::hard_swish,
                reference: crate::reference::hard_swish_one,
                naive: |x| x * (x + 3.0).clamp(0.0, 6.0) / 6.0,
                special: "NaN -> NaN, `x <= -3` (and `-inf`) -> `-0.0`, `+inf` -> `+inf`, `-0.0` -> `-0.0`",
                backward: hard_swish_backward, hard_swish_backward_inplace {
                    bound: 2,
                    kernel: crate::simd::backward::piecewise::hard_swish_backward,
                    reference: crate::reference::hard_swish_backward_one,
                    naive: |x, dy| if x < -3.0 { 0.0 } else if x <= 3.0 { dy * (x / 3.0 + 0.5) } else { dy },
                    special: "`x < -3 ? 0 : x <= 3 ? dy (x / 3 + 1/2) : dy` (PyTorch's): NaN `x` -> NaN, `-3` -> `-dy / 2`, `3` -> `3 dy / 2`",
                },
            }
            /// Softplus `log(1 + exp(x))`, a smooth ReLU, subnormal results included (it is
            /// `exp(x)` in the negative tail); always positive, `+0` only below `x = -103.97208`.
            Softplus {} => softplus, softplus_inplace {
                bound: 2,
                cost: Transcendental,
                kernel: crate::simd::softplus::softplus,
                reference: crate::reference::softplus_one,
                naive: |x| (1.0 + x.exp()).ln(),
                special: "NaN -> NaN, `+inf` -> `+inf`, `-inf` -> `+0`, `x < -103.97208` -> `+0`, output never negative",
                backward: softplus_backward, softplus_backward_inplace {
                    bound: 3,
                    kernel: crate::simd::backward::logistic::softplus_backward,
                    reference: crate::reference::softplus_backward_one,
                    naive: |x, dy| dy / (1.0 + (-x).exp()),
                    special: "NaN -> NaN, `+inf` -> `dy`, `-inf` -> `dy * 0`, `+-0` -> `dy / 2`",
                },
            }
            /// Log-sigmoid `-log(1 + exp(-x))`, the logarithm of sigmoid: `-softplus(-x)` bit
            /// for bit; never positive, `-0.0` only above `x = 103.97208`.
            LogSigmoid {} => log_sigmoid, log_sigmoid_inplace {
                bound: 2,
                cost: Transcendental,
                kernel: crate::simd::softplus::log_sigmoid,
                reference: crate::reference::log_sigmoid_one,
                naive: |x| -(1.0 + (-x).exp()).ln(),
                special: "NaN -> NaN, `+inf` -> `-0.0`, `-inf` -> `-inf`, `x > 103.97208` -> `-0.0`, output never positive",
                backward: log_sigmoid_backward, log_sigmoid_backward_inplace {
                    bound: 3,
                    kernel: crate::simd::backward::logistic::log_sigmoid_backward,
                    reference: crate::reference::log_sigmoid_backward_one,
                    naive: |x, dy| dy / (1.0 + x.exp()),
                    special: "NaN -> NaN, `-inf` -> `dy`, `+inf` -> `dy * 0`, `+-0` -> `dy / 2`",
                },
            }
        }
    };
}

/// Generates [`Activation`], its methods and the per-activation kernel types.
macro_rules! activation_enum {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident { $($p:ident = $default:expr)? } => $name:ident, $inplace:ident {
            bound: $bound:expr,
            $(bound_other_param: $bound_other:expr,)?
            cost: $cost:ident,
            kernel: $kernel:path,
            reference: $reference:path,
            naive: |$nx:ident| $naive:expr,
            special: $special:literal,
            backward: $bname:ident, $binplace:ident {
                bound: $bbound:expr,
                $(margin: $margin:path,)?
                kernel: $bkernel:path,
                reference: $breference:path,
                naive: |$bnx:ident, $bndy:ident| $bnaive:expr,
                special: $bspecial:literal,
            },
        }
    )*) => {
        /// An elementwise activation chosen at run time (for example from a model file), with
        /// its parameters.
        ///
        /// [`Kernels::activate`](crate::Kernels::activate) and the free function
        /// [`activate`](crate::activate) run it; they give bit for bit what the named
        /// function gives. `Display` and `FromStr` use the names of the free functions, with
        /// parameters in brackets (`"leaky_relu(0.2)"`; without brackets a parameter takes its
        /// default, as `"leaky_relu"`, alpha 0.01); they round-trip.
        ///
        /// ```
        /// use simd_activations::{Activation, Kernels};
        ///
        /// let act: Activation = "leaky_relu(0.2)".parse()?;
        /// assert_eq!(act, Activation::LeakyRelu { alpha: 0.2 });
        /// assert_eq!(act.to_string(), "leaky_relu(0.2)");
        /// assert_eq!(act.ulp_bound(), 0);
        ///
        /// let mut y = [0.0_f32; 2];
        /// Kernels::global().activate(act, &[-1.0, 3.0], &mut y)?;
        /// assert_eq!(y, [-0.2, 3.0]);
        /// # Ok::<(), simd_activations::Error>(())
        /// ```
        #[non_exhaustive]
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum Activation {
            $(
                $(#[doc = $doc])*
                #[doc = ""]
                #[doc = concat!(
                    "Bound: ", stringify!($bound), " ULP",
                    $(" (", stringify!($bound_other), " ULP with another parameter value)",)?
                    ". Special values: ", $special, "."
                )]
                $variant $({
                    #[doc = concat!("`", stringify!($p), "` (default ", stringify!($default), ").")]
                    $p: f32
                })?,
            )*
        }

        impl Activation {
            /// Every activation once, parameters at their defaults.
            pub const ALL: &'static [Activation] = &[
                $(Activation::$variant $({ $p: $default })?,)*
            ];

            /// The snake_case name of its free function (`"leaky_relu"`).
            pub fn name(&self) -> &'static str {
                match self {
                    $(Activation::$variant { .. } => stringify!($name),)*
                }
            }

            /// The proven error bound in ULP against the `f64` reference rounded to `f32`, on
            /// every input and every backend (0: exact). It can depend on the parameter: ELU's
            /// is 2 at its default `alpha = 1` (no product to round) and 3 for other alphas.
            pub fn ulp_bound(&self) -> u32 {
                match self {
                    $(Activation::$variant { .. } => {
                        $(if !self.has_default_param() {
                            return $bound_other;
                        })?
                        $bound
                    })*
                }
            }

            /// Whether the parameter, if any, has its default value (bit for bit).
            fn has_default_param(&self) -> bool {
                match *self {
                    $(Activation::$variant { $($p)? } => {
                        true $(&& $p.to_bits() == ($default as f32).to_bits())?
                    })*
                }
            }

            /// The slice length from which the automatic threading policy
            /// ([`Kernels::automatic_threading`](crate::Kernels::automatic_threading), the free
            /// functions) may split this activation across the threads of the current rayon
            /// pool: 1 Mi elements for the transcendental functions, 4 Mi for the memory-bound
            /// ones. Below it a call never splits; above it, it splits where splitting has
            /// timed faster than one thread in the policy's earlier calls.
            pub fn automatic_threshold(&self) -> usize {
                match self {
                    $(Activation::$variant { .. } => {
                        crate::drive::Cost::$cost.parallel_min_len()
                    })*
                }
            }

            /// The special values, as the docs state them.
            pub fn special_values(&self) -> &'static str {
                match self {
                    $(Activation::$variant { .. } => $special,)*
                }
            }

            /// The error bound of its gradient (`<name>_backward`), in ULP against `dy * f'(x)`
            /// in `f64` rounded to `f32`, on every input and backend; where the derivative
            /// crosses zero ([`Activation::backward_has_margin`]) an absolute margin is added
            /// (see [`reference::backward_margin`](crate::reference::backward_margin)).
            pub fn backward_ulp_bound(&self) -> u32 {
                match self {
                    $(Activation::$variant { .. } => $bbound,)*
                }
            }

            /// Whether the gradient's bound carries the absolute margin
            /// `2^-23 |dy| M(x)` beside its ULP (the functions whose derivative crosses zero,
            /// where no relative bound can hold next to the root).
            pub fn backward_has_margin(&self) -> bool {
                match self {
                    $(Activation::$variant { .. } => {
                        false $(|| {
                            let _: fn(f32) -> f64 = $margin;
                            true
                        })?
                    })*
                }
            }

            /// The special values of its gradient, as the docs state them.
            pub fn backward_special_values(&self) -> &'static str {
                match self {
                    $(Activation::$variant { .. } => $bspecial,)*
                }
            }

            /// The name of its parameter, if it has one (`Some("alpha")`).
            pub fn param_name(&self) -> Option<&'static str> {
                match self {
                    $(Activation::$variant { .. } => None $(.or(Some(stringify!($p))))?,)*
                }
            }

            /// Checks the parameters (each must be finite).
            pub(crate) fn validate(&self) -> Result<(), Error> {
                match *self {
                    $(Activation::$variant { $($p)? } => {
                        $(crate::validate::finite(stringify!($p), $p)?;)?
                        Ok(())
                    })*
                }
            }

            /// Builds the activation called `name`; `param` is the value in brackets, if any.
            fn from_parts(name: &str, param: Option<f32>) -> Result<Activation, Error> {
                $(
                    if name == stringify!($name) {
                        let act = match param {
                            None => Activation::$variant $({ $p: $default })?,
                            Some(_v) => {
                                let with_param: Option<Activation> =
                                    None $(.or(Some(Activation::$variant { $p: _v })))?;
                                let Some(act) = with_param else {
                                    return Err(Error::MalformedActivation {
                                        name: stringify!($name),
                                        takes_param: false,
                                    });
                                };
                                act.validate()?;
                                act
                            }
                        };
                        return Ok(act);
                    }
                )*
                Err(Error::UnknownActivation)
            }

            /// Hands this activation's kernel (its parameter inside) to `v`: the one match
            /// behind the runs on other storage types ([`Kernels::activate_f16`] ...) and the
            /// fused forms ([`Kernels::bias_activate`], [`Kernels::glu`]), so that an
            /// activation added to the registry has them too.
            #[inline]
            pub(crate) fn visit_kernel<V: crate::simd::UnaryVisitor>(self, v: V) -> V::Output {
                match self {
                    $(Activation::$variant { $($p)? } => v.visit(kernel::$variant { $($p)? }),)*
                }
            }

            /// The names `FromStr` accepts, for error messages.
            pub(crate) const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];
        }

        impl fmt::Display for Activation {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match *self {
                    // `pad` honours width and alignment (`{:<12}`) for the names without a
                    // parameter; with one, the name and the value are written as they are.
                    $(Activation::$variant { $($p)? } => {
                        $(return write!(f, "{}({})", stringify!($name), $p);)?
                        #[allow(unreachable_code)]
                        f.pad(stringify!($name))
                    })*
                }
            }
        }

        /// One unit struct (or struct of parameters) per activation: the kernel applied to one
        /// vector, as the elementwise driver runs it.
        pub(crate) mod kernel {
            use pulp::Simd;

            use crate::drive::Cost;
            use crate::simd::Unary;

            $(
                #[derive(Clone, Copy, Debug)]
                pub(crate) struct $variant { $(pub(crate) $p: f32)? }

                impl Unary for $variant {
                    const COST: Cost = Cost::$cost;
                    #[inline(always)]
                    fn apply<S: Simd>(self, simd: S, x: S::f32s) -> S::f32s {
                        $kernel(simd, x $(, self.$p)?)
                    }
                }
            )*
        }

        /// One struct per activation: its gradient applied to one vector of `dy` (the main
        /// stream, which the in-place form overwrites) and one of `x` (the side stream).
        pub(crate) mod backward_kernel {
            use pulp::Simd;

            use crate::simd::Binary;

            $(
                #[derive(Clone, Copy, Debug)]
                pub(crate) struct $variant { $(pub(crate) $p: f32)? }

                impl Binary for $variant {
                    #[inline(always)]
                    fn apply<S: Simd>(self, simd: S, dy: S::f32s, x: S::f32s) -> S::f32s {
                        $bkernel(simd, x, dy $(, self.$p)?)
                    }
                }
            )*
        }

        /// The naive `std` loops of every activation: what a user would write without this
        /// crate (the baselines of the benches and of the report).
        #[cfg(feature = "testing")]
        pub mod naive {
            use super::Activation;

            /// `y[i] = f(x[i])` with the plain `f32` expression of `act`, one element at a
            /// time (`x.len() == y.len()`).
            pub fn activate(act: Activation, x: &[f32], y: &mut [f32]) {
                match act {
                    $(Activation::$variant { $($p)? } => {
                        for (y, &$nx) in y.iter_mut().zip(x) {
                            *y = $naive;
                        }
                    })*
                }
            }

            /// `dx[i] = dy[i] * f'(x[i])` with the plain `f32` expression of `act`'s
            /// derivative (equal lengths).
            pub fn activate_backward(act: Activation, x: &[f32], dy: &[f32], dx: &mut [f32]) {
                match act {
                    $(Activation::$variant { $($p)? } => {
                        for ((dx, &$bnx), &$bndy) in dx.iter_mut().zip(x).zip(dy) {
                            *dx = $bnaive;
                        }
                    })*
                }
            }
        }

        // The `Kernels` methods: one named method (and its in-place form) per activation,
        // and `activate`/`activate_inplace`.
        impl Kernels {
            $(
                $(#[doc = $doc])*
                #[doc = ""]
                #[doc = concat!(
                    "Error bound: ", stringify!($bound), " ULP",
                    $(" (", stringify!($bound_other), " ULP with another parameter value)",)?
                    " against the `f64` reference ",
                    "rounded to `f32` (0: exact), on every input and backend. Special values: ",
                    $special, "."
                )]
                #[doc = ""]
                #[doc = "Errors (before anything is written):"]
                $(#[doc = concat!(
                    "[`Error::InvalidParameter`] if `", stringify!($p), "` is NaN or infinite;"
                )])?
                #[doc = "[`Error::LengthMismatch`] if `x.len() != y.len()`."]
                pub fn $name(&self, x: &[f32], y: &mut [f32] $(, $p: f32)?) -> Result<(), Error> {
                    $(validate::finite(stringify!($p), $p)?;)?
                    validate::same_len(x, y)?;
                    self.run(kernel::$variant { $($p)? }, OutOfPlace::new(x, y));
                    Ok(())
                }

                #[doc = concat!("In-place [`Kernels::", stringify!($name), "`].")]
                $(#[doc = concat!(
                    "\n\nErrors: [`Error::InvalidParameter`] if `", stringify!($p),
                    "` is NaN or infinite (then `x` is untouched)."
                )])?
                pub fn $inplace(&self, x: &mut [f32] $(, $p: f32)?) -> inplace_return!($($p)?) {
                    $(validate::finite(stringify!($p), $p)?;)?
                    self.run(kernel::$variant { $($p)? }, InPlace::new(x));
                    inplace_ok!($($p)?)
                }

                #[doc = concat!(
                    "The gradient of [`Kernels::", stringify!($name), "`]: `dx[i] = dy[i] * f'(x[i])`, ",
                    "from the forward input `x` and the incoming gradient `dy`."
                )]
                #[doc = ""]
                #[doc = concat!(
                    "Error bound: ", stringify!($bbound), " ULP against `dy * f'(x)` in `f64` rounded to ",
                    "`f32`, on every input and backend, for `|dy| <= 2^80` (and `|alpha dy| <= 2^80`) where `f'(x)` is finite in `f32`",
                    $("; plus the absolute margin `2^-23 |dy| M(x)` of [`reference::backward_margin`](crate::reference::backward_margin) (`",
                    stringify!($margin), "`), since the derivative crosses zero",)?
                    ". Special values: ", $bspecial, "."
                )]
                #[doc = ""]
                #[doc = "Errors (before anything is written):"]
                $(#[doc = concat!(
                    "[`Error::InvalidParameter`] if `", stringify!($p), "` is NaN or infinite;"
                )])?
                #[doc = "[`Error::SliceLength`] if `dy` or `dx` is not as long as `x`."]
                pub fn $bname(
                    &self,
                    x: &[f32],
                    dy: &[f32],
                    dx: &mut [f32]
                    $(, $p: f32)?
                ) -> Result<(), Error> {
                    $(validate::finite(stringify!($p), $p)?;)?
                    validate::backward(x, dy, Some(dx))?;
                    let io = OutOfPlace { x: dy, side: x, y: dx };
                    self.run_kernel(Cost::$cost, backward_kernel::$variant { $($p)? }, io);
                    Ok(())
                }

                #[doc = concat!(
                    "In-place [`Kernels::", stringify!($bname), "`]: the gradient overwrites `dy`."
                )]
                #[doc = ""]
                #[doc = "Errors (before anything is written):"]
                $(#[doc = concat!(
                    "[`Error::InvalidParameter`] if `", stringify!($p), "` is NaN or infinite;"
                )])?
                #[doc = "[`Error::SliceLength`] if `dy` is not as long as `x`."]
                pub fn $binplace(&self, x: &[f32], dy: &mut [f32] $(, $p: f32)?) -> Result<(), Error> {
                    $(validate::finite(stringify!($p), $p)?;)?
                    validate::backward(x, dy, None)?;
                    self.run_kernel(Cost::$cost, backward_kernel::$variant { $($p)? }, InPlace(dy, x));
                    Ok(())
                }
            )*

            /// Runs the activation `act`: bit for bit what its named method gives, with the
            /// same checks, one dispatch per call.
            ///
            /// Errors (before anything is written): [`Error::InvalidParameter`] for a NaN or
            /// infinite parameter, [`Error::LengthMismatch`] if `x.len() != y.len()`.
            ///
            /// ```
            /// use simd_activations::{Activation, Kernels};
            ///
            /// let k = Kernels::global();
            /// let x = [-1.0_f32, 0.5];
            /// let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
            /// k.activate(Activation::Tanh, &x, &mut a)?;
            /// k.tanh(&x, &mut b)?;
            /// assert_eq!(a, b);
            /// # Ok::<(), simd_activations::Error>(())
            /// ```
            pub fn activate(&self, act: Activation, x: &[f32], y: &mut [f32]) -> Result<(), Error> {
                match act {
                    $(Activation::$variant { $($p)? } => self.$name(x, y $(, $p)?),)*
                }
            }

            /// In-place [`Kernels::activate`]. Errors: [`Error::InvalidParameter`] for a NaN or
            /// infinite parameter (then `x` is untouched).
            pub fn activate_inplace(&self, act: Activation, x: &mut [f32]) -> Result<(), Error> {
                match act {
                    $(Activation::$variant { $($p)? } => {
                        inplace_result!(self.$inplace(x $(, $p)?) $(, $p)?)
                    })*
                }
            }

            /// Runs the gradient of `act`: bit for bit what its named `<name>_backward` method
            /// gives, with the same checks.
            ///
            /// Errors (before anything is written): [`Error::InvalidParameter`] for a NaN or
            /// infinite parameter, [`Error::SliceLength`] if `dy` or `dx` is not as long as `x`.
            ///
            /// ```
            /// use simd_activations::{Activation, Kernels};
            ///
            /// let x = [30.0_f32, 0.0];
            /// let (dy, mut dx) = ([1.0_f32; 2], [0.0_f32; 2]);
            /// Kernels::global().activate_backward(Activation::Sigmoid, &x, &dy, &mut dx)?;
            /// assert_eq!(dx[1], 0.25);
            /// assert!(dx[0] > 9.3e-14 && dx[0] < 9.4e-14); // exp(-30), not 0
            /// # Ok::<(), simd_activations::Error>(())
            /// ```
            pub fn activate_backward(
                &self,
                act: Activation,
                x: &[f32],
                dy: &[f32],
                dx: &mut [f32],
            ) -> Result<(), Error> {
                match act {
                    $(Activation::$variant { $($p)? } => self.$bname(x, dy, dx $(, $p)?),)*
                }
            }

            /// In-place [`Kernels::activate_backward`]: the gradient overwrites `dy`.
            pub fn activate_backward_inplace(
                &self,
                act: Activation,
                x: &[f32],
                dy: &mut [f32],
            ) -> Result<(), Error> {
                match act {
                    $(Activation::$variant { $($p)? } => self.$binplace(x, dy $(, $p)?),)*
                }
            }
        }

        /// The free functions, re-exported at the crate root: the methods of
        /// [`Kernels::global`](crate::Kernels::global).
        pub(crate) mod free {
            use crate::{Error, Kernels};

            $(
            $(#[doc = $doc])*
            #[doc = ""]
            #[doc = concat!(
                "Within ", stringify!($bound), " ULP",
                $(" (", stringify!($bound_other), " ULP with another parameter value)",)?
                " of the `f64` reference rounded to `f32` ",
                "(0: exact) on every input; special values: ", $special, ". Runs on the best backend ",
                "of this CPU, split across rayon threads for long slices; see [`Kernels::",
                stringify!($name), "`] for the errors."
            )]
            #[doc = ""]
            #[doc = "```"]
            #[doc = "use simd_activations::{reference, ulp};"]
            #[doc = ""]
            #[doc = "let x = [-4.0_f32, -0.5, -0.0, 0.0, 0.5, 4.0];"]
            #[doc = "let (mut y, mut want) = ([0.0; 6], [0.0; 6]);"]
            #[doc = concat!(
                "simd_activations::", stringify!($name), "(&x, &mut y"
                $(, ", ", stringify!($default))?, ")?;"
            )]
            #[doc = concat!(
                "reference::", stringify!($name), "(&x, &mut want"
                $(, ", ", stringify!($default))?, ")?;"
            )]
            #[doc = concat!(
                "assert!(y.iter().zip(&want).all(|(a, b)| ulp::distance(*a, *b) <= ",
                stringify!($bound), "));"
            )]
            #[doc = "# Ok::<(), simd_activations::Error>(())"]
            #[doc = "```"]
            pub fn $name(x: &[f32], y: &mut [f32] $(, $p: f32)?) -> Result<(), Error> {
                Kernels::global().$name(x, y $(, $p)?)
            }

            #[doc = concat!("In-place [`", stringify!($name), "`].")]
            pub fn $inplace(x: &mut [f32] $(, $p: f32)?) -> inplace_return!($($p)?) {
                Kernels::global().$inplace(x $(, $p)?)
            }

            #[doc = concat!(
                "The gradient of [`", stringify!($name), "`]: `dx[i] = dy[i] * f'(x[i])`. Within ",
                stringify!($bbound), " ULP of `dy * f'(x)` in `f64` rounded to `f32`",
                $(" plus the margin `2^-23 |dy| M(x)` (`", stringify!($margin), "`)",)?
                "; special values: ", $bspecial, ". See [`Kernels::", stringify!($bname),
                "`] for the bound's terms and the errors."
            )]
            pub fn $bname(x: &[f32], dy: &[f32], dx: &mut [f32] $(, $p: f32)?) -> Result<(), Error> {
                Kernels::global().$bname(x, dy, dx $(, $p)?)
            }

            #[doc = concat!("In-place [`", stringify!($bname), "`]: the gradient overwrites `dy`.")]
            pub fn $binplace(x: &[f32], dy: &mut [f32] $(, $p: f32)?) -> Result<(), Error> {
                Kernels::global().$binplace(x, dy $(, $p)?)
            }
            )*
        }

        /// The slice references, re-exported by [`reference`](crate::reference).
        pub(crate) mod reference_slices {
            use crate::reference::activate;
            use crate::{Activation, Error};

            $(
                #[doc = concat!(
                    "Reference [`", stringify!($name), "`](crate::", stringify!($name),
                    "): `", stringify!($reference), "` on every element, with the same checks."
                )]
                pub fn $name(x: &[f32], y: &mut [f32] $(, $p: f32)?) -> Result<(), Error> {
                    activate(Activation::$variant $({ $p })?, x, y)
                }
            )*

            $(
                #[doc = concat!(
                    "Reference [`", stringify!($bname), "`](crate::", stringify!($bname),
                    "): `", stringify!($breference), "` on every element, with the same checks."
                )]
                pub fn $bname(
                    x: &[f32],
                    dy: &[f32],
                    dx: &mut [f32]
                    $(, $p: f32)?
                ) -> Result<(), Error> {
                    crate::reference::activate_backward(Activation::$variant $({ $p })?, x, dy, dx)
                }
            )*

            /// `dy * f'(x)` of one pair, in `f64`, rounded to `f32`: the reference of
            /// [`crate::activate_backward`].
            pub fn activate_backward_one(act: Activation, x: f32, dy: f32) -> f32 {
                match act {
                    $(Activation::$variant { $($p)? } => $breference(x, dy $(, $p)?),)*
                }
            }

            /// The margin `M(x)` of the gradient's bound where the derivative crosses zero:
            /// the sum of the absolute values of the derivative's terms, so that a gradient
            /// `dx` passes where `|dx - ref| <= bound ulp(ref) + 2^-23 |dy| M(x)`. `None` for
            /// the functions with a plain ULP bound.
            pub fn backward_margin(act: Activation, x: f32) -> Option<f64> {
                let _ = x;
                match act {
                    $(Activation::$variant { .. } => None $(.or(Some($margin(x))))?,)*
                }
            }

            /// [`activate_backward_one`] on every element (equal lengths), the match taken
            /// once outside the loop.
            pub(crate) fn activate_backward_each(
                act: Activation,
                x: &[f32],
                dy: &[f32],
                dx: &mut [f32],
            ) {
                match act {
                    $(Activation::$variant { $($p)? } => {
                        for ((dx, &x), &dy) in dx.iter_mut().zip(x).zip(dy) {
                            *dx = $breference(x, dy $(, $p)?);
                        }
                    })*
                }
            }

            /// `act` of one value, in `f64`, rounded to `f32`: the reference of
            /// [`crate::activate`].
            pub fn activate_one(act: Activation, x: f32) -> f32 {
                match act {
                    $(Activation::$variant { $($p)? } => $reference(x $(, $p)?),)*
                }
            }

            /// [`activate_one`] on every element of `x` (equal lengths), the match taken once
            /// outside the loop (per element it keeps the loop from being compiled per
            /// function: the references of the cheap functions ran 30x slower).
            pub(crate) fn activate_each(act: Activation, x: &[f32], y: &mut [f32]) {
                match act {
                    $(Activation::$variant { $($p)? } => {
                        for (y, &x) in y.iter_mut().zip(x) {
                            *y = $reference(x $(, $p)?);
                        }
                    })*
                }
            }
        }
    };
}

for_each_activation!(activation_enum);

impl FromStr for Activation {
    type Err = Error;

    /// Parses `"name"` or `"name(value)"` (white space allowed around the parts). Errors:
    /// [`Error::UnknownActivation`], [`Error::MalformedActivation`] (brackets on a function
    /// without a parameter, or a value that is not a number), [`Error::InvalidParameter`] (a
    /// NaN or infinite value).
    fn from_str(s: &str) -> Result<Activation, Error> {
        let s = s.trim();
        let Some(open) = s.find('(') else {
            return Activation::from_parts(s, None);
        };
        let name = s[..open].trim();
        let value = s[open + 1..]
            .trim_end()
            .strip_suffix(')')
            .and_then(|v| v.trim().parse::<f32>().ok());
        match value {
            Some(v) => Activation::from_parts(name, Some(v)),
            None => {
                // Tell a known name with a bad list from an unknown name.
                let takes_param = Activation::from_parts(name, None)?.param_name().is_some();
                let name = Activation::NAMES.iter().find(|n| **n == name);
                Err(Error::MalformedActivation {
                    name: name.copied().unwrap_or_default(),
                    takes_param,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_parse_back() {
        for (i, a) in Activation::ALL.iter().enumerate() {
            assert_eq!(a.name(), Activation::NAMES[i]);
            assert_eq!(a.name().parse::<Activation>().unwrap(), *a);
            assert_eq!(a.to_string().parse::<Activation>().unwrap(), *a);
            for b in &Activation::ALL[i + 1..] {
                assert_ne!(a.name(), b.name());
            }
        }
    }
}
