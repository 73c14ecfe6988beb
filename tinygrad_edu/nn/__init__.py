"""Neural-network building blocks: Module and Parameter, layers, losses, `functional` and `init`."""
from . import functional, init
from .layers import Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .models import build_mlp
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module, Parameter, Sequential, StateDictError

__all__ = ["Module", "Parameter", "Sequential", "StateDictError",
           "Linear", "ReLU", "Sigmoid", "Tanh", "LeakyReLU", "Softmax", "LogSoftmax", "Identity", "Flatten",
           "Dropout", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
           "functional", "init", "build_mlp"]
