// Original file: proto/byzps/v1/parameter_server.proto


/**
 * What a worker should do to itself: an attack on its gradients or a system fault.
 */
export interface FaultInstruction {
  /**
   * An attack ("sign-flip", "gaussian", …) or a system fault ("crash", "delay", …); "none" clears.
   */
  'kind'?: (string);
  /**
   * Kind-specific parameters, as text (e.g. {"k": "4"}).
   */
  'params'?: ({[key: string]: string});
}

/**
 * What a worker should do to itself: an attack on its gradients or a system fault.
 */
export interface FaultInstruction__Output {
  /**
   * An attack ("sign-flip", "gaussian", …) or a system fault ("crash", "delay", …); "none" clears.
   */
  'kind': (string);
  /**
   * Kind-specific parameters, as text (e.g. {"k": "4"}).
   */
  'params': ({[key: string]: string});
}
